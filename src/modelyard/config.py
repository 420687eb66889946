"""Settings from flags, environment (MODELYARD_*) and defaults.

Built once by the CLI (or by `settings_from_environment` in each server worker) and passed down;
nothing in modelyard reads the environment anywhere else.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path("modelyard-data")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MODELYARD_", extra="ignore")

    host: str = Field("127.0.0.1", description="Address the server listens on.")
    port: int = Field(5000, ge=0, le=65535, description="TCP port the server listens on.")
    workers: int = Field(1, ge=1, le=64, description="Number of server worker processes.")
    data_dir: Path = Field(
        DEFAULT_DATA_DIR,
        description="Folder for the embedded defaults: the SQLite database and local artifacts.",
    )
    database_url: str | None = Field(
        None,
        description=(
            "SQLAlchemy database URL, e.g. postgresql+psycopg://user:pw@host/db. "
            "Default: SQLite at <data_dir>/modelyard.db."
        ),
    )
    artifacts: str | None = Field(
        None,
        description=(
            "Artifact root: a local folder, or s3://bucket/prefix for S3-compatible storage. "
            "Default: <data_dir>/artifacts."
        ),
    )
    s3_endpoint_url: str | None = Field(
        None,
        description=(
            "Endpoint of an S3-compatible service (MinIO, Ceph...), e.g. http://minio:9000. "
            "Default: boto3's own (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, or AWS S3)."
        ),
    )
    external_sources: str = Field(
        "",
        description=(
            "Comma-separated URI prefixes that model versions may reference without modelyard "
            "copying their files, e.g. s3://team-models/ ('*': any URI but local files). "
            "Default: none; every version's files come from modelyard's own artifact store."
        ),
    )
    db_pool_size: int = Field(
        10, ge=1, le=200, description="Connections each worker keeps open to PostgreSQL/MySQL."
    )
    sqlite_busy_timeout_ms: int = Field(
        30_000,
        ge=0,
        description="How long a SQLite writer waits for the write lock before answering 503.",
    )
    log_level: str = Field("info", description="Log level: debug, info, warning, error.")
    access_log: bool = Field(False, description="Log every HTTP request (costs throughput).")
    approval_ttl_hours: float = Field(
        168.0,
        gt=0,
        le=24 * 365,
        description="How long an approval request stays open before it expires (hours).",
    )

    auth: bool = Field(
        False,
        description="Require every request to authenticate (users and API tokens). Default: "
        "off, a local single-user mode, allowed only on a loopback address.",
    )
    insecure_no_auth: bool = Field(
        False,
        description="Allow listening on a non-loopback address without authentication.",
    )
    default_permission: Literal["NO_PERMISSIONS", "READ", "EDIT", "MANAGE"] = Field(
        "READ",
        description="What a user may do on a model or experiment they hold no grant on.",
    )
    admin_username: str | None = Field(
        None, description="Create this admin user at start when it does not exist yet."
    )
    admin_password: SecretStr | None = Field(
        None, description="The password of `admin_username`, set only when it is created."
    )
    login_max_failures: int = Field(
        5, ge=1, le=1000, description="Failed logins per user and address before a lockout."
    )
    login_window_seconds: int = Field(
        300, ge=1, le=86_400, description="The window failed logins are counted in (seconds)."
    )

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'modelyard.db').resolve()}"

    def external_source_prefixes(self) -> tuple[str, ...]:
        return tuple(p.strip() for p in self.external_sources.split(",") if p.strip())

    def resolved_artifacts(self) -> str:
        if self.artifacts and self.artifacts.startswith("s3://"):
            return self.artifacts
        if self.artifacts:
            return str(Path(self.artifacts.removeprefix("file://")).resolve())
        return str((self.data_dir / "artifacts").resolve())

    def is_loopback(self) -> bool:
        return self.host in ("127.0.0.1", "localhost", "::1") or self.host.startswith("127.")

    def is_sqlite(self) -> bool:
        return self.resolved_database_url().startswith("sqlite")
