"""Model version sources: what a client may register, and where its files come from.

A version's files are copied into modelyard's own content-addressed storage when it is
registered, so a source must point at files modelyard itself keeps: a run's artifacts
(`runs:/<run_id>/<path>`), a logged model (`models:/<model_id>`), another version
(`models:/<name>/<version>`, `models:/<name>@<alias>`) or the artifact proxy
(`mlflow-artifacts:/<path>`). Anything else (`file:`, another host, a bucket modelyard does not
manage) is refused, unless the operator lists its prefix as an external source: such versions are
kept as references, without files of their own.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from modelyard.errors import InvalidParameter

# MLflow 3 logged model ids: "m-" and 32 hex digits.
_LOGGED_MODEL_ID = re.compile(r"^m-[0-9a-f]{32}\Z")
_RUN_ID = re.compile(r"^[0-9A-Za-z_\-]{1,256}\Z")
_VERSION = re.compile(r"^[1-9][0-9]{0,9}\Z")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# In the operator's list of external prefixes: any URI but a local file is a reference.
ANY_EXTERNAL = "*"


@dataclass(frozen=True, slots=True)
class RunArtifacts:
    run_id: str
    path: str


@dataclass(frozen=True, slots=True)
class LoggedModelArtifacts:
    model_id: str
    path: str


@dataclass(frozen=True, slots=True)
class OtherVersion:
    name: str
    version: int | None
    alias: str | None


@dataclass(frozen=True, slots=True)
class ProxiedArtifacts:
    path: str


@dataclass(frozen=True, slots=True)
class ExternalReference:
    uri: str


Source = RunArtifacts | LoggedModelArtifacts | OtherVersion | ProxiedArtifacts | ExternalReference


def parse_source(source: str, *, external_prefixes: Sequence[str] = ()) -> Source:
    """Classify a version source, or raise InvalidParameter naming what is wrong with it.

    The artifact path inside a source is returned as given: the services check it with
    `artifacts.paths`, the one place that knows every traversal form.
    """
    if any(source.startswith(p) for p in external_prefixes if p and p != ANY_EXTERNAL):
        return ExternalReference(source)
    scheme, netloc, path = _split(source)
    if netloc and scheme in ("runs", "models", "mlflow-artifacts"):
        raise InvalidParameter(
            f"Invalid model version source {source[:200]!r}: it names a host ({netloc!r}); "
            "sources must point at this server's own runs, models or artifacts."
        )
    if scheme == "runs":
        run_id, _, rest = path.lstrip("/").partition("/")
        if not _RUN_ID.match(run_id):
            raise InvalidParameter(f"Invalid model version source {source[:200]!r}: no run id.")
        return RunArtifacts(run_id, rest)
    if scheme == "models":
        return _models_source(source, path.lstrip("/"))
    if scheme == "mlflow-artifacts":
        return ProxiedArtifacts(path.lstrip("/"))
    if ANY_EXTERNAL in external_prefixes and scheme not in ("", "file"):
        return ExternalReference(source)
    raise InvalidParameter(
        f"Invalid model version source {source[:200]!r}: it points outside modelyard's artifact "
        "store. Register from runs:/<run_id>/<path>, models:/<model_id>, models:/<name>/<version> "
        "or mlflow-artifacts:/<path>, or ask the operator to allow its prefix "
        "(MODELYARD_EXTERNAL_SOURCES)."
    )


def _split(source: str) -> tuple[str, str, str]:
    if _CONTROL.search(source):
        raise InvalidParameter("Invalid model version source: it contains a control character.")
    try:
        parts = urlsplit(source)
    except ValueError as e:
        raise InvalidParameter(f"Invalid model version source {source[:200]!r}: {e}.") from None
    if parts.query or parts.fragment:
        raise InvalidParameter(
            f"Invalid model version source {source[:200]!r}: no query or fragment is allowed."
        )
    return parts.scheme.lower(), parts.netloc, parts.path


def _models_source(source: str, path: str) -> Source:
    head, _, rest = path.partition("/")
    if _LOGGED_MODEL_ID.match(head):
        return LoggedModelArtifacts(head, rest)
    if "@" in head and not rest:
        name, _, alias = head.partition("@")
        if name and alias:
            return OtherVersion(name, None, alias)
    elif head and _VERSION.match(rest):
        return OtherVersion(head, int(rest), None)
    raise InvalidParameter(
        f"Invalid model version source {source[:200]!r}: expected models:/<model_id>, "
        "models:/<name>/<version> or models:/<name>@<alias>."
    )


def copies_files(source: str | None, *, external_prefixes: Sequence[str] = ()) -> bool:
    """Whether registering `source` copies files (slow I/O) rather than storing a reference.
    A source that will be refused copies nothing."""
    try:
        parsed = parse_source(source or "", external_prefixes=external_prefixes)
    except InvalidParameter:
        return False
    return not isinstance(parsed, ExternalReference)
