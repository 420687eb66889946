"""Files through modelyard's artifact proxy (`/api/2.0/mlflow-artifacts/artifacts`), streamed
both ways in 1 MiB blocks: a file is never held whole in memory, on either side."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

import httpx

from modelyard.client.base import BaseClient, _error_of
from modelyard.errors import DataLoss, InvalidParameter, ModelyardError

PROXY = "/api/2.0/mlflow-artifacts/artifacts"
PROXY_SCHEME = "mlflow-artifacts:/"
BLOCK = 1 << 20
Progress = Callable[[int], None]


class ArtifactsClient(BaseClient):
    """Upload, list, download and delete files of the artifact proxy."""

    def upload_file(
        self, local: Path, artifact_path: str, *, progress: Progress | None = None
    ) -> int:
        """Stream `local` to `artifact_path`, replacing a file there; returns its size."""
        size = local.stat().st_size

        def blocks() -> Iterator[bytes]:
            with local.open("rb") as f:
                while block := f.read(BLOCK):
                    yield block
                    if progress is not None:
                        progress(len(block))

        # With a Content-Length the body is sent as is, not chunked.
        headers = {"Content-Length": str(size), "Content-Type": "application/octet-stream"}
        self.request("PUT", _url(artifact_path), content=blocks(), headers=headers)
        return size

    def list(self, path: str) -> list[dict[str, Any]]:
        """A folder's direct children: `{"path", "is_dir", "file_size"}`, relative to it."""
        found = self.request("GET", PROXY, params={"path": path}) or {}
        return list(found.get("files", []))

    def delete(self, path: str) -> None:
        """Delete a file or a folder with everything in it (a missing path is no error)."""
        self.request("DELETE", _url(path))

    def download_file(
        self,
        artifact_path: str,
        dest: Path,
        *,
        size: int | None = None,
        sha256: str | None = None,
        progress: Progress | None = None,
    ) -> str:
        """Stream a file to `dest` and return its sha256. Written beside `dest` first and moved
        into place only when its size and sha256 are the expected ones (DataLoss otherwise)."""
        dest.parent.mkdir(parents=True, exist_ok=True)
        partial = dest.with_name(f".{dest.name}.modelyard-partial")
        digest = hashlib.sha256()
        written = 0
        try:
            with self._http.stream("GET", _url(artifact_path)) as response:
                if not response.is_success:
                    response.read()
                    raise _error_of(response)
                with partial.open("wb") as out:
                    for block in response.iter_bytes(BLOCK):
                        out.write(block)
                        digest.update(block)
                        written += len(block)
                        if progress is not None:
                            progress(len(block))
            if (size is not None and written != size) or (sha256 and digest.hexdigest() != sha256):
                raise DataLoss(
                    f"{artifact_path}: received {written} bytes with sha256 {digest.hexdigest()}, "
                    f"expected {size} bytes with sha256 {sha256}; nothing was written to {dest}."
                )
            partial.replace(dest)
        except httpx.HTTPError as e:
            raise ModelyardError(
                f"Download of {artifact_path} from {self.url} failed: {e}"
            ) from None
        finally:
            partial.unlink(missing_ok=True)
        return digest.hexdigest()


def proxy_path(uri: str) -> str:
    """The proxy path of an `mlflow-artifacts:/...` URI."""
    if not uri.startswith(PROXY_SCHEME):
        raise InvalidParameter(f"Not a location of modelyard's artifact proxy: {uri!r}.")
    return uri.removeprefix(PROXY_SCHEME).lstrip("/")


def safe_relative(path: str) -> PurePosixPath:
    """A path a server named, to be written under a local folder: relative, without `..`."""
    relative = PurePosixPath(path)
    if not path or relative.is_absolute() or any(p in ("", ".", "..") for p in path.split("/")):
        raise InvalidParameter(f"Refusing to write a file at {path!r} (not a plain relative path).")
    return relative


def local_files(local: Path) -> list[tuple[Path, str]]:
    """(file, path relative to `local` with `/`) for a file, or every file under a folder,
    sorted; links and special files are left out."""
    if local.is_file():
        return [(local, local.name)]
    if not local.is_dir():
        raise InvalidParameter(f"{local} is neither a file nor a folder.")
    found = [
        Path(folder, name)
        for folder, _, names in os.walk(local)  # does not follow links to folders
        for name in names
    ]
    files = [p for p in found if p.is_file() and not p.is_symlink()]
    return sorted((p, p.relative_to(local).as_posix()) for p in files)


def _url(artifact_path: str) -> str:
    return f"{PROXY}/{quote(artifact_path.strip('/'), safe='/')}"
