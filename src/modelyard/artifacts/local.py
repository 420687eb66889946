"""Artifacts in a local folder.

Writes go to a temporary file in the target's folder, are fsynced, then renamed over the target
(atomic on POSIX), and the folder is fsynced: a crash leaves the old file or the new one, never
half of one. Every path is checked by `paths.safe_path`, and then no component of it under the
root may be a symlink: a link inside the root that points out of it is refused, not followed.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import tempfile
import uuid
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from modelyard.artifacts import paths
from modelyard.artifacts.base import (
    CHUNK_SIZE,
    MAX_PARTS,
    ArtifactStore,
    ByteChunks,
    Entry,
    UploadedPart,
    WriteResult,
)
from modelyard.artifacts.checksums import Digest
from modelyard.errors import InvalidParameter, NotFound

TMP_FILE_PREFIX = f"{paths.RESERVED_PREFIX}-tmp-"
_UPLOAD_ID = re.compile(r"^[0-9a-f]{32}$")
_TARGET_FILE = "target"


class LocalArtifactStore(ArtifactStore):
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self.location = str(self.root)

    def _resolve(self, path: str, *, allow_root: bool = False) -> Path:
        key = paths.safe_path(path, allow_root=allow_root)
        current = self.root
        for segment in key.split("/") if key else ():
            current = current / segment
            try:
                mode = os.lstat(current).st_mode
            except (FileNotFoundError, NotADirectoryError):
                break  # nothing below a missing component exists yet
            if stat.S_ISLNK(mode):
                raise InvalidParameter(
                    f"Invalid artifact path {path!r}: it goes through a symlink."
                )
        return self.root / key if key else self.root

    def write(self, path: str, chunks: Iterable[bytes]) -> WriteResult:
        target = self._resolve(path)
        if target.is_dir():
            raise InvalidParameter(f"Artifact path {path!r} is a folder, not a file.")
        _make_parents(target, path)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=TMP_FILE_PREFIX)
        digest = Digest()
        try:
            with os.fdopen(fd, "wb", buffering=0) as f:
                for chunk in digest.tee(chunks):
                    f.write(chunk)
                os.fsync(f.fileno())
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        _fsync_dir(target.parent)
        return WriteResult(paths.safe_path(path), digest.size, digest.sha256)

    def read(
        self, path: str, *, offset: int = 0, length: int | None = None, chunk_size: int = CHUNK_SIZE
    ) -> ByteChunks:
        target = self._resolve(path)
        try:
            fd = os.open(target, os.O_RDONLY | os.O_NOFOLLOW)
        except (FileNotFoundError, NotADirectoryError):
            raise NotFound(f"No artifact at {path!r}.") from None
        except OSError as e:  # ELOOP: the last component became a symlink
            raise InvalidParameter(
                f"Artifact path {path!r} cannot be read: {e.strerror}."
            ) from None
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            os.close(fd)
            raise InvalidParameter(f"Artifact path refers to a directory, not a file: {path!r}.")
        f = os.fdopen(fd, "rb", buffering=0)
        f.seek(offset)
        return ByteChunks(_file_chunks(f, length, chunk_size), f.close)

    def stat(self, path: str) -> Entry | None:
        target = self._resolve(path, allow_root=True)
        try:
            st = os.lstat(target)
        except (FileNotFoundError, NotADirectoryError):
            return None
        key = paths.safe_path(path, allow_root=True)
        if stat.S_ISDIR(st.st_mode):
            return Entry(key, True, None)
        return Entry(key, False, st.st_size) if stat.S_ISREG(st.st_mode) else None

    def list(self, path: str) -> list[Entry]:
        target = self._resolve(path, allow_root=True)
        key = paths.safe_path(path, allow_root=True)
        entries: list[Entry] = []
        try:
            with os.scandir(target) as it:
                for item in it:
                    if item.name.startswith(paths.RESERVED_PREFIX) or item.is_symlink():
                        continue
                    child = paths.join(key, item.name)
                    if item.is_dir(follow_symlinks=False):
                        entries.append(Entry(child, True, None))
                    elif item.is_file(follow_symlinks=False):
                        size = item.stat(follow_symlinks=False).st_size
                        entries.append(Entry(child, False, size))
        except (FileNotFoundError, NotADirectoryError):
            return []
        return sorted(entries, key=lambda e: e.path)

    def delete(self, path: str) -> bool:
        target = self._resolve(path)
        try:
            mode = os.lstat(target).st_mode
        except (FileNotFoundError, NotADirectoryError):
            return False
        if stat.S_ISDIR(mode):
            shutil.rmtree(target)  # removes links inside, never follows them
        else:
            os.unlink(target)
        return True

    def copy(self, src: str, dst: str) -> None:
        with self.read(src) as chunks:
            self.write(dst, chunks)

    def move(self, src: str, dst: str) -> None:
        source, target = self._resolve(src), self._resolve(dst)
        if not source.is_file():
            raise NotFound(f"No artifact at {src!r}.")
        _make_parents(target, dst)
        os.replace(source, target)
        _fsync_dir(target.parent)

    # Multipart: parts are files under .modelyard/uploads/<id>/, joined on completion.

    def create_multipart(self, path: str) -> str:
        key = paths.safe_path(path)
        self._resolve(key)
        upload_id = uuid.uuid4().hex
        self.write(paths.join(paths.UPLOADS_PREFIX, upload_id, _TARGET_FILE), [key.encode()])
        return upload_id

    def upload_part(
        self, path: str, upload_id: str, part_number: int, chunks: Iterable[bytes]
    ) -> UploadedPart:
        staging = self._staging(path, upload_id)
        _check_part_number(part_number)
        written = self.write(paths.join(staging, str(part_number)), chunks)
        return UploadedPart(part_number, written.sha256)

    def complete_multipart(self, path: str, upload_id: str, parts: Sequence[UploadedPart]) -> Entry:
        staging = self._staging(path, upload_id)
        ordered = sorted(parts, key=lambda p: p.part_number)
        if not ordered or len({p.part_number for p in ordered}) != len(ordered):
            raise InvalidParameter("Parts must be listed once each, at least one.")
        for part in ordered:
            _check_part_number(part.part_number)
            if not self.exists(paths.join(staging, str(part.part_number))):
                raise InvalidParameter(f"Part {part.part_number} was not uploaded.")
        written = self.write(path, self._joined(staging, ordered))
        self.delete(staging)
        return Entry(written.path, False, written.size)

    def abort_multipart(self, path: str, upload_id: str) -> None:
        try:
            staging = self._staging(path, upload_id)
        except NotFound:
            return
        self.delete(staging)

    def _staging(self, path: str, upload_id: str) -> str:
        if not _UPLOAD_ID.match(upload_id or ""):
            raise InvalidParameter(f"Invalid upload id {upload_id[:80]!r}.")
        staging = paths.join(paths.UPLOADS_PREFIX, upload_id)
        try:
            with self.read(paths.join(staging, _TARGET_FILE)) as chunks:
                target = b"".join(chunks).decode()
        except NotFound:
            raise NotFound(f"No multipart upload {upload_id!r}.") from None
        if target != paths.safe_path(path):
            raise InvalidParameter(f"Upload {upload_id!r} is for another artifact path.")
        return staging

    def _joined(self, staging: str, parts: Sequence[UploadedPart]) -> Iterator[bytes]:
        for part in parts:
            with self.read(paths.join(staging, str(part.part_number))) as chunks:
                digest = Digest()
                yield from digest.tee(chunks)
            if part.etag.strip('"') != digest.sha256:
                raise InvalidParameter(f"Part {part.part_number}'s ETag does not match.")


def _file_chunks(f: object, length: int | None, chunk_size: int) -> Iterator[bytes]:
    read = f.read  # type: ignore[attr-defined]
    remaining = length
    while remaining is None or remaining > 0:
        chunk: bytes = read(chunk_size if remaining is None else min(chunk_size, remaining))
        if not chunk:
            return
        if remaining is not None:
            remaining -= len(chunk)
        yield chunk


def _make_parents(target: Path, path: str) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise InvalidParameter(f"Artifact path {path!r}: a parent folder is a file.") from None


def _check_part_number(part_number: int) -> None:
    if not 1 <= part_number <= MAX_PARTS:
        raise InvalidParameter(f"Part numbers go from 1 to {MAX_PARTS}, got {part_number}.")


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
