"""`modelyard`: start the server, manage the database.

Heavy modules (FastAPI, SQLAlchemy, uvicorn) are imported inside the commands so that
`modelyard --help` answers at once.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer

from modelyard import __version__
from modelyard.cli import access as cli_access
from modelyard.cli import approvals as cli_approvals
from modelyard.cli import audit as cli_audit
from modelyard.cli import demo as cli_demo
from modelyard.cli import lineage as cli_lineage
from modelyard.cli import mlflow_import as cli_mlflow_import
from modelyard.cli import policy as cli_policy
from modelyard.cli import promote as cli_promote
from modelyard.cli import retention as cli_retention
from modelyard.cli import transfer as cli_transfer
from modelyard.cli import users as cli_users
from modelyard.cli.options import ModelyardGroup

app = typer.Typer(
    name="modelyard",
    help="modelyard: an MLflow-compatible model registry with governance built in.",
    cls=ModelyardGroup,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Manage the metadata database.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(cli_audit.audit_app, name="audit")
app.command()(cli_audit.history)
app.command()(cli_audit.rollback)
app.add_typer(cli_policy.policy_app, name="policy")
app.command()(cli_promote.promote)
app.add_typer(cli_approvals.approvals_app, name="approvals")
app.command()(cli_retention.retention)
app.command()(cli_lineage.lineage)
app.command()(cli_lineage.compare)
app.add_typer(cli_lineage.deployments_app, name="deployments")
app.command()(cli_demo.demo)
app.command()(cli_transfer.download)
app.command()(cli_transfer.upload)
app.add_typer(cli_mlflow_import.import_app, name="import")
app.add_typer(cli_users.users_app, name="users")
app.add_typer(cli_access.tokens_app, name="tokens")
app.add_typer(cli_access.groups_app, name="groups")
app.add_typer(cli_access.permissions_app, name="permissions")

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="MODELYARD_DATABASE_URL",
        help="SQLAlchemy URL, e.g. postgresql+psycopg://user:pw@host/db. "
        "Default: SQLite in the data folder.",
    ),
]
DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", envvar="MODELYARD_DATA_DIR", help="Folder for embedded defaults."),
]


def _settings(**overrides: Any) -> Any:
    from modelyard.config import Settings

    return Settings(**{k: v for k, v in overrides.items() if v is not None})


@app.command()
def server(
    host: Annotated[
        str | None, typer.Option(envvar="MODELYARD_HOST", help="Address to listen on.")
    ] = None,
    port: Annotated[
        int | None, typer.Option(envvar="MODELYARD_PORT", help="TCP port to listen on.")
    ] = None,
    workers: Annotated[
        int | None, typer.Option(envvar="MODELYARD_WORKERS", help="Worker processes.")
    ] = None,
    database_url: DatabaseUrl = None,
    artifacts: Annotated[
        str | None,
        typer.Option(
            envvar="MODELYARD_ARTIFACTS",
            help="Artifact root: a local folder, or s3://bucket/prefix.",
        ),
    ] = None,
    s3_endpoint_url: Annotated[
        str | None,
        typer.Option(
            envvar="MODELYARD_S3_ENDPOINT_URL",
            help="Endpoint of an S3-compatible service, e.g. http://minio:9000.",
        ),
    ] = None,
    external_sources: Annotated[
        str | None,
        typer.Option(
            envvar="MODELYARD_EXTERNAL_SOURCES",
            help="Comma-separated URI prefixes versions may reference without a copy of their "
            "files, e.g. s3://team-models/ ('*': any URI but local files).",
        ),
    ] = None,
    data_dir: DataDir = None,
    access_log: Annotated[
        bool | None,
        typer.Option("--access-log/--no-access-log", help="Log every request."),
    ] = None,
    auth: Annotated[
        bool | None,
        typer.Option(
            "--auth/--no-auth",
            envvar="MODELYARD_AUTH",
            help="Require every request to authenticate (users and API tokens).",
        ),
    ] = None,
    insecure_no_auth: Annotated[
        bool | None,
        typer.Option(
            "--insecure-no-auth",
            envvar="MODELYARD_INSECURE_NO_AUTH",
            help="Allow a non-loopback address without authentication (behind an "
            "authenticating proxy only).",
        ),
    ] = None,
    default_permission: Annotated[
        str | None,
        typer.Option(
            envvar="MODELYARD_DEFAULT_PERMISSION",
            help="With --auth: what users may do where they hold no grant "
            "(NO_PERMISSIONS, READ, EDIT, MANAGE; default READ).",
        ),
    ] = None,
) -> None:
    """Start the registry server (migrates the database first).

    Example: modelyard server --port 5000 --workers 2
    """
    import uvicorn

    from modelyard.services.system import upgrade_database

    settings = _settings(
        host=host,
        port=port,
        workers=workers,
        database_url=database_url,
        artifacts=artifacts,
        s3_endpoint_url=s3_endpoint_url,
        external_sources=external_sources,
        data_dir=data_dir,
        access_log=access_log,
        auth=auth,
        insecure_no_auth=insecure_no_auth,
        default_permission=default_permission,
    )
    from modelyard.errors import ModelyardError
    from modelyard.services import access_mode

    try:
        mode = access_mode.check_mode(settings)
    except ModelyardError as e:
        typer.secho(f"error: {e}", fg="red", err=True)
        raise typer.Exit(2) from None
    upgrade_database(settings)
    created = access_mode.bootstrap_admin(settings)
    typer.secho(mode, fg="yellow" if not settings.auth else None, err=True)
    if created:
        typer.echo(created, err=True)
    typer.echo(
        f"modelyard {__version__} on http://{settings.host}:{settings.port} "
        f"({settings.workers} worker(s)); database {_redacted(settings.resolved_database_url())}; "
        f"artifacts {settings.resolved_artifacts()}",
        err=True,
    )
    common: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_level": settings.log_level,
        "access_log": settings.access_log,
        "timeout_graceful_shutdown": 10,
    }
    if settings.workers == 1:
        from modelyard.api.app import create_app

        uvicorn.run(create_app(settings), **common)
        return
    # Worker processes build their own app; they read the same public MODELYARD_* settings.
    os.environ.update(_as_environment(settings))
    uvicorn.run(
        "modelyard.api.app:app_from_environment", factory=True, workers=settings.workers, **common
    )


@db_app.command("upgrade")
def db_upgrade(database_url: DatabaseUrl = None, data_dir: DataDir = None) -> None:
    """Create or upgrade the schema to the newest revision.

    Example: modelyard db upgrade --database-url postgresql+psycopg://user:pw@db:5432/modelyard
    """
    from modelyard.services.system import upgrade_database

    revision = upgrade_database(_settings(database_url=database_url, data_dir=data_dir))
    typer.echo(f"database at revision {revision}")


@db_app.command("current")
def db_current(database_url: DatabaseUrl = None, data_dir: DataDir = None) -> None:
    """Print the schema revision of the database.

    Example: modelyard db current --data-dir /srv/modelyard-data
    """
    from modelyard.services.system import database_revision

    revision = database_revision(_settings(database_url=database_url, data_dir=data_dir))
    typer.echo(revision or "empty (no schema yet)")


@app.command()
def version() -> None:
    """Print modelyard's version.

    Example: modelyard version
    """
    typer.echo(__version__)


def _as_environment(settings: Any) -> dict[str, str]:
    # Workers need no admin password: the admin is created before they start.
    values = settings.model_dump(exclude={"admin_password"})
    values["database_url"] = settings.resolved_database_url()
    values["artifacts"] = settings.resolved_artifacts()
    return {f"MODELYARD_{k.upper()}": str(v) for k, v in values.items() if v is not None}


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def main() -> None:
    app()
