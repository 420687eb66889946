"""`modelyard approvals request|approve|reject|cancel|comment|list`: approval requests through
the server's API, acting as the local user (header X-Modelyard-User)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from modelyard.cli.options import Json, Url, fail
from modelyard.cli.policy import client
from modelyard.cli.promote import Alias, Stage

approvals_app = typer.Typer(
    help="Approval requests for stage and alias changes.", no_args_is_help=True
)

Comment = Annotated[str | None, typer.Option("--comment", help="A comment for the record.")]
RequestId = Annotated[int, typer.Argument(help="Approval request id.")]


def _call(url: str | None, method: str, *args: Any, **kwargs: Any) -> Any:
    with client("approvals", url) as c:
        return getattr(c, method)(*args, **kwargs)


def _show(req: dict[str, Any], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(req, indent=2))
        return
    ((kind, value),) = req["target"].items()
    approvers = [d["approver"] for d in req["decisions"] if d["decision"] == "approve"]
    typer.echo(
        f"request {req['id']}: {req['model']} v{req['version']} -> {kind} {value}: "
        f"{req['status']} (by {req['requester']}; approved by {', '.join(approvers) or 'nobody'})"
    )


@approvals_app.command("request")
def approvals_request(
    model: Annotated[str, typer.Argument(help="Registered model name.")],
    version: Annotated[int, typer.Argument(help="Version number.")],
    stage: Stage = None,
    alias: Alias = None,
    comment: Comment = None,
    url: Url = None,
    as_json: Json = False,
) -> None:
    """Ask for approval to move a version to a stage or alias.

    Example: modelyard approvals request churn 7 --stage Production --comment "f1 0.91"
    """
    if (stage is None) == (alias is None):
        raise fail("give exactly one of --stage and --alias")
    _show(
        _call(url, "request_approval", model, version, stage=stage, alias=alias, comment=comment),
        as_json,
    )


@approvals_app.command("approve")
def approvals_approve(
    request_id: RequestId, comment: Comment = None, url: Url = None, as_json: Json = False
) -> None:
    """Approve a request; the last approval needed applies the change.

    Example: modelyard approvals approve 12 --comment "checked the holdout"
    """
    _show(_call(url, "approve", request_id, comment=comment), as_json)


@approvals_app.command("reject")
def approvals_reject(
    request_id: RequestId, comment: Comment = None, url: Url = None, as_json: Json = False
) -> None:
    """Reject a request.

    Example: modelyard approvals reject 12 --comment "f1 dropped on the EU slice"
    """
    _show(_call(url, "reject", request_id, comment=comment), as_json)


@approvals_app.command("cancel")
def approvals_cancel(request_id: RequestId, url: Url = None, as_json: Json = False) -> None:
    """Cancel your own request.

    Example: modelyard approvals cancel 12
    """
    _show(_call(url, "cancel", request_id), as_json)


@approvals_app.command("comment")
def approvals_comment(
    request_id: RequestId,
    text: Annotated[str, typer.Argument(help="The comment.")],
    url: Url = None,
    as_json: Json = False,
) -> None:
    """Comment on a request.

    Example: modelyard approvals comment 12 "the holdout numbers are in the run"
    """
    _show(_call(url, "comment", request_id, text), as_json)


@approvals_app.command("list")
def approvals_list(
    model: Annotated[
        str | None, typer.Option("--model", help="Only this model's requests.")
    ] = None,
    approver: Annotated[
        str | None, typer.Option("--approver", help="Only requests this user may decide.")
    ] = None,
    status: Annotated[
        str, typer.Option("--status", help="pending, applied, ..., or all.")
    ] = "pending",
    url: Url = None,
    as_json: Json = False,
) -> None:
    """List approval requests, newest first (pending ones by default).

    Example: modelyard approvals list --approver carol --json
    """
    found = _call(url, "list", model=model, approver=approver, status=status)
    if as_json:
        typer.echo(json.dumps(found, indent=2))
        return
    for req in found:
        _show(req, False)
    if not found:
        typer.echo("no requests")
