"""Artifact path checks: pure functions, explicit attack forms and generated paths."""

from __future__ import annotations

import posixpath

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modelyard.artifacts import paths
from modelyard.errors import InvalidParameter

ATTACKS = {
    "dot-dot": "../etc/passwd",
    "dot-dot inside": "a/b/../../../etc",
    "dot-dot at the end": "a/..",
    "dot segment": "a/./b",
    "absolute": "/etc/passwd",
    "windows drive": "C:/Windows/win.ini",
    "encoded dot-dot": "%2e%2e/etc/passwd",
    "encoded dot-dot mixed case": "a/%2E%2e/b",
    "encoded slash": "..%2fetc%2fpasswd",
    "encoded slash alone": "a%2Fb",
    "double-encoded dot-dot": "%252e%252e/etc",
    "backslash": "a\\..\\b",
    "encoded backslash": "a%5cb",
    "NUL": "a\x00b",
    "encoded NUL": "a%00b",
    "control character": "a\nb",
    "empty segment": "a//b",
    "blank segment": "a/ /b",
    "long segment": "x" * 256,
    "long path": "a/" * 2100,
}


@pytest.mark.parametrize("path", ATTACKS.values(), ids=ATTACKS.keys())
def test_attack_forms_are_refused(path: str) -> None:
    with pytest.raises(InvalidParameter, match="artifact path"):
        paths.safe_path(path)


@pytest.mark.parametrize(
    ("path", "clean"),
    [
        ("a", "a"),
        ("0/abc/artifacts/model/MLmodel", "0/abc/artifacts/model/MLmodel"),
        ("folder/", "folder"),
        ("with space/ünïcode.txt", "with space/ünïcode.txt"),
        ("100%.txt", "100%.txt"),
        ("..hidden/x..y", "..hidden/x..y"),
    ],
)
def test_ordinary_paths_pass_unchanged(path: str, clean: str) -> None:
    assert paths.safe_path(path) == clean


def test_the_root_only_where_allowed() -> None:
    assert paths.safe_path("", allow_root=True) == ""
    assert paths.safe_path(None, allow_root=True) == ""
    with pytest.raises(InvalidParameter, match="An artifact path is required"):
        paths.safe_path("")
    with pytest.raises(InvalidParameter, match="An artifact path is required"):
        paths.safe_path("/", allow_root=True)


def test_clients_cannot_name_the_reserved_folder() -> None:
    for path in (".modelyard/blobs/sha256/ab/cd", "a/.modelyard-tmp-x", ".modelyard"):
        with pytest.raises(InvalidParameter, match="reserved"):
            paths.user_path(path)
    assert paths.user_path("a/modelyard/b") == "a/modelyard/b"


def test_file_name_takes_the_last_segment_of_a_client_path() -> None:
    assert paths.file_name("/tmp/x/model.pkl") == "model.pkl"
    assert paths.file_name("C:\\Users\\me\\model.pkl") == "model.pkl"
    with pytest.raises(InvalidParameter, match="artifact path"):
        paths.file_name("/tmp/x/..")


def test_blob_paths() -> None:
    digest = "ab" + "0" * 62
    assert paths.blob_path(digest) == f".modelyard/blobs/sha256/ab/{'0' * 62}"
    with pytest.raises(InvalidParameter, match="Not a sha256"):
        paths.blob_path("../" + "0" * 61)


@given(st.text(max_size=80))
def test_any_accepted_path_stays_inside_the_root(path: str) -> None:
    """Whatever is accepted normalises to itself and never climbs out of the root."""
    try:
        clean = paths.safe_path(path)
    except InvalidParameter:
        return
    assert clean == posixpath.normpath(clean)
    # A name such as '..0' is a plain file name; only a '..' segment climbs.
    assert not clean.startswith("/")
    assert ".." not in clean.split("/")
    assert "\\" not in clean
    assert "\x00" not in clean
    root = "/srv/root"
    assert posixpath.normpath(posixpath.join(root, clean)).startswith(root + "/")


segment = st.sampled_from(["a", "b", "..", ".", "", "%2e%2e", "%2f", "\\", "x\x00", "%252e"])


@given(st.lists(segment, min_size=1, max_size=6))
def test_generated_paths_with_traversal_pieces_are_refused(parts: list[str]) -> None:
    path = "/".join(parts)
    dangerous = {"..", ".", "", "%2e%2e", "%2f", "\\", "x\x00", "%252e"}
    trailing_slash_only = parts[-1] == "" and all(p in ("a", "b") for p in parts[:-1])
    if set(parts) <= {"a", "b"} or (trailing_slash_only and len(parts) > 1):
        assert paths.safe_path(path) == path.rstrip("/")
    else:
        assert set(parts) & dangerous
        with pytest.raises(InvalidParameter, match="artifact path"):
            paths.safe_path(path)
