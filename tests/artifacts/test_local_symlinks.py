"""The local store refuses paths through symlinks, wherever the link points."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelyard.artifacts.local import LocalArtifactStore
from modelyard.errors import InvalidParameter


@pytest.fixture
def setup(tmp_path: Path) -> tuple[LocalArtifactStore, Path]:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("secret")
    store = LocalArtifactStore(tmp_path / "root")
    (store.root / "link").symlink_to(outside, target_is_directory=True)
    (store.root / "filelink").symlink_to(outside / "secret.txt")
    return store, outside


@pytest.mark.parametrize("path", ["link/secret.txt", "filelink", "link/new.txt", "link"])
def test_symlinks_are_refused_for_every_operation(
    setup: tuple[LocalArtifactStore, Path], path: str
) -> None:
    store, outside = setup
    before = sorted(p.name for p in outside.iterdir())
    for operation in (
        lambda: store.write(path, [b"overwritten"]),
        lambda: store.read(path),
        lambda: store.list(path),
        lambda: store.delete(path),
        lambda: store.stat(path),
        lambda: store.create_multipart(path),
    ):
        with pytest.raises(InvalidParameter, match="symlink"):
            operation()
    assert sorted(p.name for p in outside.iterdir()) == before
    assert (outside / "secret.txt").read_text() == "secret"
    assert (store.root / "link").is_symlink()


def test_links_are_left_out_of_listings_and_deleting_a_folder_never_follows_them(
    setup: tuple[LocalArtifactStore, Path],
) -> None:
    store, outside = setup
    (store.root / "d").mkdir()
    (store.root / "d" / "inner-link").symlink_to(outside, target_is_directory=True)
    store.write("d/real.txt", [b"r"])
    assert [e.path for e in store.list("d")] == ["d/real.txt"]
    assert [e.path for e in store.list("")] == ["d"]
    assert store.delete("d") is True
    assert (outside / "secret.txt").read_text() == "secret"
