"""What the `modelyard` commands share: the options of commands that talk to a server, and the
one way a command fails (one red line on stderr, an exit status a script can test).

Exit statuses: 0 done; 1 refused (a policy, an approval rule or a permission said no);
2 any other error (bad input, unknown model, unreachable server).
"""

from __future__ import annotations

import errno
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from modelyard.errors import ModelyardError, PermissionDenied

EXIT_REFUSED = 1
EXIT_ERROR = 2

Url = Annotated[
    str | None,
    typer.Option(
        "--url",
        envvar="MODELYARD_URL",
        help="The modelyard server, e.g. http://host:5000. Default: MODELYARD_URL, then an "
        "http(s) MLFLOW_TRACKING_URI, then http://127.0.0.1:5000.",
        show_default=False,
    ),
]
Json = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def say_error(message: object) -> None:
    typer.secho(f"error: {message}", fg="red", err=True)


def fail(error: Exception | str, code: int = EXIT_ERROR) -> typer.Exit:
    """Print the error as one red line and return the Exit to raise (exit status 2 by default)."""
    say_error(error)
    return typer.Exit(code)


class ModelyardGroup(TyperGroup):
    """The top-level command group. Every error a command lets through becomes one red line
    and an exit status, here, so that commands need no try/except of their own."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except PermissionDenied as e:
            raise fail(e, EXIT_REFUSED) from None
        except ModelyardError as e:
            raise fail(e) from None
        except OSError as e:
            if e.errno == errno.EPIPE:  # stdout closed early (`| head`): typer handles it
                raise
            raise fail(e) from None
