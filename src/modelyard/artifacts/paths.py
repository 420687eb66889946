"""Artifact paths: one pure check that every store and route uses before touching storage.

An artifact path is relative, '/'-separated and plain: no '..' or '.' segments, no empty
segments, no absolute or drive paths, no backslashes, no NUL or other control characters, and
nothing that turns into one of those when percent-decoded (once or twice: '%2e%2e', '%2f',
'%252e'). MLflow's server has had many traversal vulnerabilities of exactly these forms, so
anything unusual is refused rather than normalised. Symlinks are the local store's own check
(`local.py`), since they need the file system.
"""

from __future__ import annotations

import posixpath
import re
from urllib.parse import unquote

from modelyard.errors import InvalidParameter

# Internal objects (content-addressed blobs, multipart staging) live under this top-level
# folder, and local temporary files start with it; no segment of a client's path may.
RESERVED_PREFIX = ".modelyard"
BLOB_PREFIX = f"{RESERVED_PREFIX}/blobs/sha256"
UPLOADS_PREFIX = f"{RESERVED_PREFIX}/uploads"
TMP_PREFIX = f"{RESERVED_PREFIX}/tmp"

MAX_PATH_LENGTH = 4096
MAX_SEGMENT_LENGTH = 255
_DECODE_ROUNDS = 3
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_DRIVE = re.compile(r"^[A-Za-z]:")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def safe_path(path: str | None, *, allow_root: bool = False) -> str:
    """Return `path` as a clean relative key ('a/b/c'), or raise InvalidParameter.

    One trailing '/' is accepted (a folder); `allow_root` lets '' (or None) mean the root.
    """
    if path is None or path in ("", "/"):
        if allow_root and not path:
            return ""
        raise InvalidParameter("An artifact path is required.")
    if len(path) > MAX_PATH_LENGTH:
        raise InvalidParameter(f"The artifact path is longer than {MAX_PATH_LENGTH} characters.")
    _refuse_unsafe_text(path, path)
    decoded = path
    for _ in range(_DECODE_ROUNDS):
        once = unquote(decoded)
        if once == decoded:
            break
        _refuse_unsafe_text(once, path)
        decoded = once
    trimmed = path[:-1] if path.endswith("/") else path
    for segment in trimmed.split("/"):
        _check_segment(segment, path)
    return trimmed


def user_path(path: str | None, *, allow_root: bool = False) -> str:
    """A path a client names: `safe_path`, and not inside modelyard's reserved folder."""
    clean = safe_path(path, allow_root=allow_root)
    if any(segment.startswith(RESERVED_PREFIX) for segment in clean.split("/")):
        raise InvalidParameter(f"Artifact names starting with '{RESERVED_PREFIX}' are reserved.")
    return clean


def join(*parts: str) -> str:
    """Join clean keys, skipping empty ones ('' is the root)."""
    return "/".join(p for p in parts if p)


def file_name(client_path: str) -> str:
    """The last segment of a client's local file path ('C:\\x\\model.pkl' -> 'model.pkl')."""
    name = re.split(r"[/\\]", client_path)[-1]
    return safe_path(name)


def blob_path(sha256: str) -> str:
    """'.modelyard/blobs/sha256/ab/cdef...' for a lower-case hex sha256."""
    if not _SHA256.match(sha256):
        raise InvalidParameter(f"Not a sha256 hex digest: {sha256[:80]!r}.")
    return f"{BLOB_PREFIX}/{sha256[:2]}/{sha256[2:]}"


def parent(path: str) -> str:
    return posixpath.dirname(path)


def _refuse_unsafe_text(text: str, original: str) -> None:
    shown = repr(original[:200])
    if "\\" in text:
        raise InvalidParameter(f"Invalid artifact path {shown}: backslashes are not allowed.")
    if _CONTROL.search(text):
        raise InvalidParameter(
            f"Invalid artifact path {shown}: NUL and control characters are not allowed."
        )
    if text.startswith("/") or _DRIVE.match(text):
        raise InvalidParameter(f"Invalid artifact path {shown}: it must be relative.")
    if any(segment in ("..", ".") for segment in text.split("/")):
        raise InvalidParameter(f"Invalid artifact path {shown}: '..' and '.' are not allowed.")
    if _has_encoded_separator(text):
        raise InvalidParameter(f"Invalid artifact path {shown}: encoded separators.")


def _has_encoded_separator(text: str) -> bool:
    lowered = text.lower()
    return any(code in lowered for code in ("%2f", "%5c", "%2e", "%00"))


def _check_segment(segment: str, original: str) -> None:
    shown = repr(original[:200])
    if not segment:
        raise InvalidParameter(f"Invalid artifact path {shown}: empty segment ('//').")
    if len(segment.encode()) > MAX_SEGMENT_LENGTH:
        raise InvalidParameter(
            f"Invalid artifact path {shown}: a segment is longer than {MAX_SEGMENT_LENGTH} bytes."
        )
    if not segment.strip():
        raise InvalidParameter(f"Invalid artifact path {shown}: a blank segment.")


def relative_to(path: str, folder: str) -> str:
    """'a/b/c' relative to the folder 'a/b' is 'c'; every path is relative to the root ''."""
    return path[len(folder) + 1 :] if folder else path
