"""A version's own files: copied from its source when it is registered, served from its manifest.

Registration copies every file of the source into the artifact store's content-addressed blobs
(`.modelyard/blobs/sha256/...`) and records a manifest (path, size, sha256) with the version.
From then on the version's files are its own: deleting or overwriting the run's artifacts, or
the run itself, changes nothing. Clients read them through the artifact proxy at the version's
storage location, `mlflow-artifacts:/.modelyard/model-versions/<id>`, a read-only view of the
manifest; every byte served is checked against it.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import sqlalchemy as sa

from modelyard.artifacts import paths
from modelyard.artifacts.base import ArtifactStore, ByteChunks, Entry
from modelyard.artifacts.checksums import verified
from modelyard.domain import names
from modelyard.domain.events import MODEL_VERSION, ActorLike, Target
from modelyard.domain.registry import FAILED_REGISTRATION, READY, ModelVersion, VersionFile
from modelyard.domain.sources import (
    LoggedModelArtifacts,
    OtherVersion,
    ProxiedArtifacts,
    RunArtifacts,
    Source,
    parse_source,
)
from modelyard.errors import InvalidParameter, ModelyardError, NotFound
from modelyard.services import audit, registration_leases
from modelyard.services.common import now_ms
from modelyard.store import logged_models, runs, version_files, versions
from modelyard.store.uow import UnitOfWork

VIEW_PREFIX = f"{paths.RESERVED_PREFIX}/model-versions"
# A manifest is read whole to list or serve a file; this bounds it.
MAX_FILES_PER_VERSION = 10_000


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a new version's files come from: a folder (or file) in the artifact store, or the
    manifest of an existing version; and the lineage the source implies."""

    root: str | None
    files: list[VersionFile] | None
    run_id: str | None
    model_id: str | None


def storage_location(version_pk: int) -> str:
    return f"mlflow-artifacts:/{VIEW_PREFIX}/{version_pk}"


def resolve_origin(
    conn: sa.Connection, source: Source, *, run_id: str | None, model_id: str | None
) -> Origin:
    """Find the source's files; NotFound or InvalidParameter before anything is written."""
    if isinstance(source, RunArtifacts):
        _check_matches("run_id", run_id, source.run_id)
        run = runs.find_run(conn, source.run_id)
        if run is None:
            raise NotFound(f"Run with id={source.run_id} not found")
        root = paths.join(
            _store_root(run.artifact_uri, f"run {source.run_id}"), _inner(source.path)
        )
        return Origin(root, None, source.run_id, model_id)
    if isinstance(source, LoggedModelArtifacts):
        _check_matches("model_id", model_id, source.model_id)
        model = logged_models.find_logged_model(conn, source.model_id)
        if model is None:
            raise NotFound(f"Logged model with id={source.model_id} not found")
        where = f"logged model {source.model_id}"
        root = paths.join(_store_root(model.artifact_location, where), _inner(source.path))
        return Origin(root, None, run_id or model.source_run_id, source.model_id)
    if isinstance(source, ProxiedArtifacts):
        return Origin(paths.user_path(source.path), None, run_id, model_id)
    assert isinstance(source, OtherVersion)
    return _other_version(conn, source, run_id=run_id, model_id=model_id)


def _other_version(
    conn: sa.Connection, source: OtherVersion, *, run_id: str | None, model_id: str | None
) -> Origin:
    name = names.validate_model_name(source.name)
    if source.alias is not None:
        row = versions.find_version_by_alias(conn, name, source.alias)
    else:
        row = versions.find_version_by_name(conn, name, source.version or 0)
    if row is None:
        shown = source.alias or source.version
        raise NotFound(f"Model Version (name={name}, version={shown}) not found")
    if row.storage_location is None or row.status != READY:
        raise InvalidParameter(
            f"Model version {name}/{row.version} has no files of its own to copy "
            f"(status {row.status}, {'an external reference' if not row.storage_location else ''})."
        )
    return Origin(
        None,
        version_files.files_of(conn, row.id),
        run_id or row.run_id,
        model_id or row.logged_model_id,
    )


def _check_matches(field: str, given: str | None, in_source: str) -> None:
    if given and given != in_source:
        raise InvalidParameter(
            f"Invalid model version source: its {field} {in_source!r} differs from the "
            f"request's {field} {given!r}."
        )


def _inner(path: str) -> str:
    return paths.user_path(path, allow_root=True)


def _store_root(uri: str, owner: str) -> str:
    """The artifact-store folder behind a run's or logged model's artifact URI."""
    try:
        parsed = parse_source(uri)
    except InvalidParameter:
        parsed = None
    if not isinstance(parsed, ProxiedArtifacts):
        raise InvalidParameter(
            f"The artifacts of {owner} are at {uri[:200]!r}, outside modelyard's artifact store; "
            "they cannot be registered."
        )
    return paths.safe_path(parsed.path, allow_root=True)


def check_root(store: ArtifactStore, origin: Origin) -> None:
    """Refuse a source folder the store will not read (a symlink), before anything is written.
    A missing folder is not refused here: the version records it as FAILED_REGISTRATION."""
    if origin.root is not None:
        store.stat(origin.root)


def copy_files(
    store: ArtifactStore, root: str, beat: Callable[[], None] = lambda: None
) -> list[VersionFile]:
    """Copy the file or folder at `root` into content-addressed blobs; its manifest. `beat` is
    called for every chunk copied (the registration's heartbeat)."""
    entry = store.stat(root)
    if entry is None:
        raise NotFound(f"No artifacts at {root!r}.")
    if not entry.is_dir:
        return [_copy(store, root, posixpath.basename(root), beat)]
    files = [
        _copy(store, e.path, paths.relative_to(e.path, root), beat) for e in _walk(store, root)
    ]
    if not files:
        raise NotFound(f"The folder {root!r} holds no files.")
    return files


def _walk(store: ArtifactStore, folder: str) -> Iterator[Entry]:
    pending = [folder]
    seen = 0
    while pending:
        for entry in store.list(pending.pop()):
            if entry.is_dir:
                pending.append(entry.path)
                continue
            seen += 1
            if seen > MAX_FILES_PER_VERSION:
                raise InvalidParameter(
                    f"The source holds more than {MAX_FILES_PER_VERSION} files, the limit."
                )
            yield entry


def _copy(store: ArtifactStore, path: str, relative: str, beat: Callable[[], None]) -> VersionFile:
    with store.read(path) as chunks:
        written = store.store_blob(_beating(chunks, beat))
    return VersionFile(path=relative, size=written.size, sha256=written.sha256)


def _beating(chunks: ByteChunks, beat: Callable[[], None]) -> Iterator[bytes]:
    for chunk in chunks:
        beat()
        yield chunk


def finish_registration(
    uow: UnitOfWork,
    store: ArtifactStore,
    *,
    version_pk: int,
    origin: Origin,
    actor: ActorLike = None,
) -> ModelVersion:
    """Copy the files and make the version READY, or FAILED_REGISTRATION saying why; keep
    the version's lease (services/registration_leases.py) while copying."""
    beat = registration_leases.Heartbeat(uow, version_pk)
    try:
        files = origin.files
        if files is None:
            files = copy_files(store, origin.root or "", beat)
    except (ModelyardError, OSError) as e:
        message = getattr(e, "message", None) or str(e)
        return _finish(uow, version_pk, actor, status=FAILED_REGISTRATION, message=message[:1000])
    except BaseException:
        _finish(uow, version_pk, actor, status=FAILED_REGISTRATION, message="Internal error.")
        raise
    return _finish(uow, version_pk, actor, status=READY, files=files)


def _finish(
    uow: UnitOfWork,
    version_pk: int,
    actor: ActorLike,
    *,
    status: str,
    message: str | None = None,
    files: list[VersionFile] | None = None,
) -> ModelVersion:
    with uow.write() as conn:
        values: dict[str, object] = {
            "status": status,
            "last_updated_time": now_ms(),
            "registration_expires": None,
        }
        if message is not None:
            values["status_message"] = f"Could not copy the source's files: {message}"
        if files is not None:
            values["storage_location"] = storage_location(version_pk)
        finished = versions.update_pending(conn, version_pk, **values)
        row = versions.find_version_by_pk(conn, version_pk)
        if not finished:
            # Its lease ended meanwhile and a sweep failed it: that outcome stands.
            return versions.load_versions(conn, [row])[0]
        if files is not None:
            version_files.insert_files(conn, version_pk, files)
        audit.record(
            conn,
            actor,
            "model_version.finish_registration",
            Target(MODEL_VERSION, row.model_name, row.version),
            after={"status": status, "files": len(files or ())},
        )
        return versions.load_versions(conn, [row])[0]


# Reading a version's files through the artifact proxy.


def view_target(path: str) -> tuple[int, str] | None:
    """(version id, path inside the version) for a path under VIEW_PREFIX, else None."""
    if not path.startswith(VIEW_PREFIX + "/") and path.rstrip("/") != VIEW_PREFIX:
        return None
    rest = paths.safe_path(path).removeprefix(VIEW_PREFIX).lstrip("/")
    head, _, inner = rest.partition("/")
    if not head.isdigit() or len(head) > 18:
        raise NotFound(f"No artifact at {path[:200]!r}.")
    return int(head), inner


def _manifest(uow: UnitOfWork, version_pk: int) -> list[VersionFile]:
    with uow.read() as conn:
        files = version_files.files_of(conn, version_pk)
    if not files:
        raise NotFound(f"No model version files at {VIEW_PREFIX}/{version_pk}.")
    return files


def open_file(
    uow: UnitOfWork, store: ArtifactStore, *, version_pk: int, path: str
) -> tuple[VersionFile, ByteChunks]:
    """The file's manifest line and its bytes, checked against the manifest as they stream."""
    found = next((f for f in _manifest(uow, version_pk) if f.path == path), None)
    if found is None:
        raise NotFound(f"No file {path[:200]!r} in model version files {version_pk}.")
    blob = store.read_blob(found.sha256)
    return found, ByteChunks(verified(blob, sha256=found.sha256, size=found.size), blob.close)


def list_folder(uow: UnitOfWork, *, version_pk: int, path: str) -> list[Entry]:
    """Direct children of a folder of the version, named relative to it (the proxy's shape)."""
    prefix = f"{path}/" if path else ""
    children: dict[str, Entry] = {}
    for f in _manifest(uow, version_pk):
        if not f.path.startswith(prefix):
            continue
        head, slash, _ = f.path[len(prefix) :].partition("/")
        children[head] = Entry(head, True, None) if slash else Entry(head, False, f.size)
    return [children[k] for k in sorted(children)]
