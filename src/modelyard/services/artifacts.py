"""The artifact proxy's use cases: upload, download, list, delete, multipart uploads.

Every path a client names is checked here (`paths.user_path`) before a store sees it, and
every store call runs in a worker thread, moving data in 1 MiB batches (`artifacts.streams`).
"""

from __future__ import annotations

import mimetypes
from collections.abc import AsyncIterable, AsyncIterator, Sequence
from dataclasses import dataclass

import anyio.to_thread

from modelyard.artifacts import open_artifact_store, paths
from modelyard.artifacts.base import MAX_PARTS, ArtifactStore, Entry, UploadedPart, WriteResult
from modelyard.artifacts.streams import consume_in_thread, iterate_in_thread
from modelyard.config import Settings
from modelyard.errors import InvalidParameter, NotFound
from modelyard.services import version_files
from modelyard.store.uow import UnitOfWork

__all__ = ["ArtifactStore", "Download", "Entry", "MultipartUpload", "UploadedPart", "open_store"]

# Text files MLflow writes without a telling extension (MLmodel, conda.yaml...): served as text.
_TEXT_NAMES = frozenset({"MLmodel", "MLproject"})
_TEXT_EXTENSIONS = frozenset({".txt", ".log", ".yaml", ".yml", ".json", ".md", ".py", ".csv"})


@dataclass(frozen=True, slots=True)
class Download:
    path: str
    size: int
    media_type: str
    chunks: AsyncIterator[bytes]


@dataclass(frozen=True, slots=True)
class MultipartUpload:
    path: str
    upload_id: str
    part_numbers: range


def open_store(settings: Settings) -> ArtifactStore:
    return open_artifact_store(settings)


async def upload(store: ArtifactStore, *, path: str, body: AsyncIterable[bytes]) -> WriteResult:
    key = paths.user_path(path)
    return await consume_in_thread(lambda chunks: store.write(key, chunks), body)


async def download(store: ArtifactStore, *, path: str, uow: UnitOfWork) -> Download:
    """Open the file (errors come now, before the response starts) and stream it.

    A path in a model version's storage location is served from its manifest, checked.
    """
    if (target := version_files.view_target(path)) is not None:
        version_pk, inner = target
        found, blob = await anyio.to_thread.run_sync(
            lambda: version_files.open_file(uow, store, version_pk=version_pk, path=inner)
        )
        return Download(path, found.size, media_type(found.path), iterate_in_thread(blob))
    key = paths.user_path(path)
    entry = await anyio.to_thread.run_sync(store.stat, key)
    if entry is None:
        raise NotFound(f"No artifact at {key!r}.")
    if entry.is_dir:
        raise InvalidParameter(f"Artifact path refers to a directory, not a file: {key!r}.")
    chunks = await anyio.to_thread.run_sync(lambda: store.read(key))
    return Download(key, entry.file_size or 0, media_type(key), iterate_in_thread(chunks))


async def list_files(store: ArtifactStore, *, path: str | None, uow: UnitOfWork) -> list[Entry]:
    """The folder's direct children, named relative to the folder (MLflow's shape)."""
    if path and (target := version_files.view_target(path)) is not None:
        version_pk, inner = target
        return await anyio.to_thread.run_sync(
            lambda: version_files.list_folder(uow, version_pk=version_pk, path=inner)
        )
    key = paths.user_path(path, allow_root=True)
    entries = await anyio.to_thread.run_sync(store.list, key)
    return [Entry(paths.relative_to(e.path, key), e.is_dir, e.file_size) for e in entries]


async def delete(store: ArtifactStore, *, path: str) -> None:
    """Delete a file or a folder with everything under it; a missing path is not an error
    (as in MLflow)."""
    key = paths.user_path(path)
    await anyio.to_thread.run_sync(store.delete, key)


async def create_multipart(
    store: ArtifactStore, *, folder: str, client_file: str | None, num_parts: int | None
) -> MultipartUpload:
    """MLflow's client names the folder in the URL and its local file in the body; the file
    lands at `<folder>/<basename of that file>`."""
    if not client_file:
        raise InvalidParameter("Missing value for required parameter 'path'.")
    count = 1 if num_parts is None else num_parts
    if not 1 <= count <= MAX_PARTS:
        raise InvalidParameter(f"num_parts must be between 1 and {MAX_PARTS}, got {count}.")
    key = paths.join(paths.user_path(folder, allow_root=True), paths.file_name(client_file))
    paths.user_path(key)
    upload_id = await anyio.to_thread.run_sync(store.create_multipart, key)
    return MultipartUpload(key, upload_id, range(1, count + 1))


async def upload_part(
    store: ArtifactStore,
    *,
    path: str,
    upload_id: str,
    part_number: int,
    body: AsyncIterable[bytes],
) -> UploadedPart:
    key = paths.user_path(path)
    return await consume_in_thread(
        lambda chunks: store.upload_part(key, upload_id, part_number, chunks), body
    )


async def complete_multipart(
    store: ArtifactStore,
    *,
    folder: str,
    client_file: str | None,
    upload_id: str | None,
    parts: Sequence[UploadedPart],
) -> Entry:
    key = _multipart_key(folder, client_file, upload_id)
    return await anyio.to_thread.run_sync(
        lambda: store.complete_multipart(key, upload_id or "", parts)
    )


async def abort_multipart(
    store: ArtifactStore, *, folder: str, client_file: str | None, upload_id: str | None
) -> None:
    key = _multipart_key(folder, client_file, upload_id)
    await anyio.to_thread.run_sync(store.abort_multipart, key, upload_id or "")


def _multipart_key(folder: str, client_file: str | None, upload_id: str | None) -> str:
    if not client_file:
        raise InvalidParameter("Missing value for required parameter 'path'.")
    if not upload_id:
        raise InvalidParameter("Missing value for required parameter 'upload_id'.")
    return paths.user_path(
        paths.join(paths.user_path(folder, allow_root=True), paths.file_name(client_file))
    )


def media_type(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    suffix = name[name.rfind(".") :].lower() if "." in name else ""
    if name in _TEXT_NAMES or suffix in _TEXT_EXTENSIONS:
        return "text/plain"
    guessed, _ = mimetypes.guess_type(name)
    return guessed or "application/octet-stream"
