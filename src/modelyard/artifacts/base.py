"""The artifact store interface: every backend (local folder, S3-compatible bucket) is one of these.

Methods are synchronous and blocking: the service layer runs them in worker threads
(`artifacts.streams`), so a slow disk or bucket never blocks the event loop. Data moves as
iterables of byte chunks (about `CHUNK_SIZE` each), never as whole files.

Paths are keys relative to the store's root, '/'-separated, checked by `paths.safe_path` in
every method (a store never trusts its caller). Clients' paths are additionally kept out of
the reserved `.modelyard/` folder by `paths.user_path` in the services; that folder holds the
content-addressed blobs (`.modelyard/blobs/sha256/ab/cdef...`) and multipart staging.
"""

from __future__ import annotations

import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from modelyard.artifacts import paths
from modelyard.errors import InvalidParameter

CHUNK_SIZE = 1024 * 1024
MAX_PARTS = 10_000


@dataclass(frozen=True, slots=True)
class Entry:
    """A file or folder; `path` is relative to the store root; folders have no size."""

    path: str
    is_dir: bool
    file_size: int | None


@dataclass(frozen=True, slots=True)
class WriteResult:
    path: str
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class UploadedPart:
    part_number: int
    etag: str


class ByteChunks(Iterator[bytes]):
    """An iterator of chunks that releases its file or connection on `close()`, even if it
    was never started (a generator's `finally` would not run then)."""

    def __init__(self, chunks: Iterator[bytes], release: Callable[[], None]) -> None:
        self._chunks = chunks
        self._release: Callable[[], None] | None = release

    def __next__(self) -> bytes:
        try:
            return next(self._chunks)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        release, self._release = self._release, None
        if release is not None:
            release()

    def __enter__(self) -> ByteChunks:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class ArtifactStore(ABC):
    """One artifact root. Writes are all-or-nothing: a reader sees the old file or the new one."""

    #: a short description for logs: the folder or s3://bucket/prefix
    location: str

    @abstractmethod
    def write(self, path: str, chunks: Iterable[bytes]) -> WriteResult:
        """Store the stream at `path` (replacing a file there); returns its size and sha256."""

    @abstractmethod
    def read(
        self, path: str, *, offset: int = 0, length: int | None = None, chunk_size: int = CHUNK_SIZE
    ) -> ByteChunks:
        """The file's bytes from `offset` (`length` of them, or to the end), in chunks.

        Raises NotFound for a missing file, InvalidParameter for a folder. The file is opened
        at once, so errors come before any byte; close the iterator (or exhaust it) to release
        the file or connection.
        """

    @abstractmethod
    def stat(self, path: str) -> Entry | None:
        """The file or folder at `path`, or None."""

    @abstractmethod
    def list(self, path: str) -> list[Entry]:
        """Direct children of the folder `path` ('' is the root), sorted by path; [] for a
        missing folder or a file (MLflow's behaviour)."""

    @abstractmethod
    def delete(self, path: str) -> bool:
        """Delete the file, or the folder and everything under it. False if nothing was there."""

    @abstractmethod
    def copy(self, src: str, dst: str) -> None:
        """Copy one file, server-side where the backend can."""

    @abstractmethod
    def create_multipart(self, path: str) -> str:
        """Start a multipart upload to `path`; returns its upload id."""

    @abstractmethod
    def upload_part(
        self, path: str, upload_id: str, part_number: int, chunks: Iterable[bytes]
    ) -> UploadedPart:
        """Store one part (1..MAX_PARTS); uploading a part number again replaces it."""

    @abstractmethod
    def complete_multipart(self, path: str, upload_id: str, parts: Sequence[UploadedPart]) -> Entry:
        """Join the parts, in part-number order, into the file at `path`."""

    @abstractmethod
    def abort_multipart(self, path: str, upload_id: str) -> None:
        """Discard an upload's parts. Aborting an unknown upload is not an error."""

    # Helpers built on the primitives above; backends may override them with faster ones.

    def exists(self, path: str) -> bool:
        return self.stat(path) is not None

    def move(self, src: str, dst: str) -> None:
        self.copy(src, dst)
        self.delete(src)

    def put_blob(self, sha256: str, chunks: Iterable[bytes]) -> WriteResult:
        """Store content under its sha256 (`paths.blob_path`), once.

        Idempotent: if the blob exists, `chunks` is not read. Otherwise the stream is written
        to a temporary key, its digest checked against `sha256` (InvalidParameter if it
        differs, and nothing is kept), then moved into place.
        """
        key = paths.blob_path(sha256)
        existing = self.stat(key)
        if existing is not None and not existing.is_dir:
            return WriteResult(key, existing.file_size or 0, sha256)
        tmp = f"{paths.TMP_PREFIX}/{uuid.uuid4().hex}"
        try:
            written = self.write(tmp, chunks)
            if written.sha256 != sha256:
                raise InvalidParameter(
                    f"Content digest {written.sha256} does not match the expected {sha256}."
                )
            self.move(tmp, key)
        finally:
            self.delete(tmp)
        return WriteResult(key, written.size, sha256)

    def store_blob(self, chunks: Iterable[bytes]) -> WriteResult:
        """Store content under the sha256 it turns out to have, once; the stream is read once.

        Two writers of the same content both end with the same blob: the move is atomic and the
        bytes are the same.
        """
        tmp = f"{paths.TMP_PREFIX}/{uuid.uuid4().hex}"
        try:
            written = self.write(tmp, chunks)
            key = paths.blob_path(written.sha256)
            if not self.exists(key):
                self.move(tmp, key)
        finally:
            self.delete(tmp)
        return WriteResult(key, written.size, written.sha256)

    def has_blob(self, sha256: str) -> bool:
        return self.exists(paths.blob_path(sha256))

    def read_blob(self, sha256: str) -> ByteChunks:
        return self.read(paths.blob_path(sha256))

    def close(self) -> None:  # noqa: B027 - optional hook, most stores hold nothing
        """Release clients or pools."""
