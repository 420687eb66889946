"""The ArtifactStore contract, on every backend (local folder and S3 over HTTP)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator

import pytest

from modelyard.artifacts import paths
from modelyard.artifacts.base import ArtifactStore, Entry, UploadedPart
from modelyard.artifacts.checksums import sha256_of
from modelyard.errors import InvalidParameter, NotFound

MiB = 1024 * 1024


def _chunks(data: bytes, size: int = 64 * 1024) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def _read(store: ArtifactStore, path: str, **kwargs: int) -> bytes:
    with store.read(path, **kwargs) as chunks:  # type: ignore[arg-type]
        return b"".join(chunks)


def test_write_then_read_round_trips_bytes_and_reports_size_and_sha256(
    store: ArtifactStore,
) -> None:
    data = os.urandom(3 * MiB + 17)
    result = store.write("0/run/artifacts/model.bin", _chunks(data))
    assert result.size == len(data)
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert _read(store, "0/run/artifacts/model.bin") == data


def test_a_file_larger_than_one_part_is_written_in_parts(store: ArtifactStore) -> None:
    data = os.urandom(11 * MiB + 5)
    store.write("big/file.bin", iter(_chunks(data, MiB)))
    assert _read(store, "big/file.bin") == data
    assert store.stat("big/file.bin") == Entry("big/file.bin", False, len(data))


def test_empty_files_are_files(store: ArtifactStore) -> None:
    result = store.write("empty.txt", [])
    assert result.size == 0
    assert _read(store, "empty.txt") == b""
    assert store.stat("empty.txt") == Entry("empty.txt", False, 0)


def test_writing_again_replaces_the_file(store: ArtifactStore) -> None:
    store.write("a.txt", [b"old content"])
    store.write("a.txt", [b"new"])
    assert _read(store, "a.txt") == b"new"


def test_ranged_reads(store: ArtifactStore) -> None:
    data = bytes(range(256)) * 100
    store.write("r.bin", [data])
    assert _read(store, "r.bin", offset=10, length=20) == data[10:30]
    assert _read(store, "r.bin", offset=25_000) == data[25_000:]
    assert _read(store, "r.bin", offset=0, length=0) == b""


def test_reads_come_in_bounded_chunks(store: ArtifactStore) -> None:
    store.write("c.bin", [os.urandom(3 * MiB)])
    with store.read("c.bin", chunk_size=MiB) as chunks:
        sizes = [len(c) for c in chunks]
    assert max(sizes) <= MiB
    assert sum(sizes) == 3 * MiB


def test_reading_a_missing_file_is_not_found(store: ArtifactStore) -> None:
    with pytest.raises(NotFound, match=r"No artifact at 'nope\.txt'"):
        store.read("nope.txt")


def test_reading_a_folder_is_refused(store: ArtifactStore) -> None:
    store.write("folder/inner.txt", [b"x"])
    with pytest.raises(InvalidParameter, match="directory, not a file"):
        store.read("folder")


def test_writing_over_a_folder_is_refused(store: ArtifactStore) -> None:
    store.write("folder/inner.txt", [b"x"])
    with pytest.raises(InvalidParameter, match="is a folder"):
        store.write("folder", [b"y"])
    assert _read(store, "folder/inner.txt") == b"x"


def test_a_failed_write_leaves_nothing_and_keeps_the_old_file(store: ArtifactStore) -> None:
    store.write("keep.bin", [b"original"])

    def broken() -> Iterator[bytes]:
        yield os.urandom(6 * MiB)  # one full part on S3, then the client goes away
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError, match="went away"):
        store.write("keep.bin", broken())
    with pytest.raises(ConnectionResetError, match="went away"):
        store.write("new.bin", broken())
    assert _read(store, "keep.bin") == b"original"
    assert store.stat("new.bin") is None
    assert [e.path for e in store.list("")] == ["keep.bin"]


def test_list_gives_direct_children_sorted_with_sizes(store: ArtifactStore) -> None:
    store.write("run/artifacts/model/MLmodel", [b"flavors: {}\n"])
    store.write("run/artifacts/model/data/weights.bin", [b"1234"])
    store.write("run/artifacts/metrics.json", [b"{}"])
    assert store.list("run/artifacts") == [
        Entry("run/artifacts/metrics.json", False, 2),
        Entry("run/artifacts/model", True, None),
    ]
    assert store.list("run/artifacts/model") == [
        Entry("run/artifacts/model/MLmodel", False, 12),
        Entry("run/artifacts/model/data", True, None),
    ]
    assert store.list("") == [Entry("run", True, None)]
    assert store.list("run/artifacts/") == store.list("run/artifacts")


def test_list_of_a_missing_folder_or_a_file_is_empty(store: ArtifactStore) -> None:
    store.write("f.txt", [b"x"])
    assert store.list("missing") == []
    assert store.list("f.txt") == []


def test_stat(store: ArtifactStore) -> None:
    store.write("d/f.txt", [b"abc"])
    assert store.stat("d/f.txt") == Entry("d/f.txt", False, 3)
    assert store.stat("d") == Entry("d", True, None)
    assert store.stat("missing") is None
    assert store.exists("d/f.txt")
    assert not store.exists("d/g.txt")


def test_delete_a_file_a_folder_recursively_and_a_missing_path(store: ArtifactStore) -> None:
    store.write("d/a.txt", [b"a"])
    store.write("d/sub/b.txt", [b"b"])
    store.write("other.txt", [b"o"])
    assert store.delete("d/a.txt") is True
    assert store.stat("d/a.txt") is None
    assert store.delete("d") is True
    assert store.stat("d/sub/b.txt") is None
    assert store.delete("d") is False
    assert store.list("") == [Entry("other.txt", False, 1)]


def test_copy_and_move(store: ArtifactStore) -> None:
    store.write("src.bin", [b"payload"])
    store.copy("src.bin", "copies/dst.bin")
    assert _read(store, "copies/dst.bin") == b"payload"
    store.move("src.bin", "moved/dst.bin")
    assert _read(store, "moved/dst.bin") == b"payload"
    assert store.stat("src.bin") is None


def test_put_blob_is_content_addressed_verified_and_idempotent(store: ArtifactStore) -> None:
    data = os.urandom(MiB + 1)
    digest = hashlib.sha256(data).hexdigest()
    first = store.put_blob(digest, _chunks(data))
    assert first.path == f".modelyard/blobs/sha256/{digest[:2]}/{digest[2:]}"
    assert (first.size, first.sha256) == (len(data), digest)

    def never_read() -> Iterator[bytes]:
        raise AssertionError("an existing blob's stream must not be read")
        yield b""

    again = store.put_blob(digest, never_read())
    assert again == first
    assert store.has_blob(digest)
    with store.read_blob(digest) as chunks:
        assert sha256_of(chunks) == (digest, len(data))


def test_put_blob_refuses_content_that_does_not_match_and_keeps_nothing(
    store: ArtifactStore,
) -> None:
    wrong = hashlib.sha256(b"something else").hexdigest()
    with pytest.raises(InvalidParameter, match="does not match"):
        store.put_blob(wrong, [b"payload"])
    assert not store.has_blob(wrong)
    assert store.list(paths.TMP_PREFIX) == []


def test_blobs_and_staging_are_hidden_from_the_root_listing(store: ArtifactStore) -> None:
    store.put_blob(hashlib.sha256(b"x").hexdigest(), [b"x"])
    store.create_multipart("pending.bin")
    store.write("visible.txt", [b"v"])
    assert [e.path for e in store.list("")] == ["visible.txt"]


def test_multipart_upload_joins_parts_in_order(store: ArtifactStore) -> None:
    part1, part2, part3 = os.urandom(5 * MiB), os.urandom(5 * MiB), b"tail"
    upload_id = store.create_multipart("mp/file.bin")
    uploaded = [
        store.upload_part("mp/file.bin", upload_id, 3, _chunks(part3)),
        store.upload_part("mp/file.bin", upload_id, 1, _chunks(part1)),
        store.upload_part("mp/file.bin", upload_id, 2, _chunks(part2)),
    ]
    entry = store.complete_multipart("mp/file.bin", upload_id, uploaded)
    assert entry == Entry("mp/file.bin", False, len(part1) + len(part2) + len(part3))
    assert _read(store, "mp/file.bin") == part1 + part2 + part3


def test_multipart_complete_with_a_wrong_etag_is_refused(store: ArtifactStore) -> None:
    upload_id = store.create_multipart("mp/bad.bin")
    store.upload_part("mp/bad.bin", upload_id, 1, [b"only part"])
    with pytest.raises(InvalidParameter, match=r"ETag|InvalidPart"):
        store.complete_multipart("mp/bad.bin", upload_id, [UploadedPart(1, '"0000"')])
    assert store.stat("mp/bad.bin") is None


def test_multipart_abort_discards_parts(store: ArtifactStore) -> None:
    # (moto answers 500 to any later call on an aborted upload, unlike S3's NoSuchUpload, so
    # this checks what is left rather than a later call's error)
    upload_id = store.create_multipart("mp/aborted.bin")
    part = store.upload_part("mp/aborted.bin", upload_id, 1, [b"data"])
    store.abort_multipart("mp/aborted.bin", upload_id)
    store.abort_multipart("mp/aborted.bin", upload_id)  # again: not an error
    assert part.part_number == 1
    assert store.list(paths.UPLOADS_PREFIX) == []  # local staging is gone (S3 keeps none)
    assert store.stat("mp/aborted.bin") is None


def test_multipart_part_numbers_are_bounded(store: ArtifactStore) -> None:
    upload_id = store.create_multipart("mp/n.bin")
    with pytest.raises(InvalidParameter, match="Part numbers go from 1 to 10000"):
        store.upload_part("mp/n.bin", upload_id, 0, [b"x"])
    with pytest.raises(InvalidParameter, match="Part numbers go from 1 to 10000"):
        store.upload_part("mp/n.bin", upload_id, 10_001, [b"x"])


@pytest.mark.parametrize(
    "path", ["../escape", "/etc/passwd", "a/../../b", "a\\b", "a\x00b", "a//b", "%2e%2e/x"]
)
def test_every_method_refuses_unsafe_paths(store: ArtifactStore, path: str) -> None:
    with pytest.raises(InvalidParameter, match="artifact path"):
        store.write(path, [b"x"])
    with pytest.raises(InvalidParameter, match="artifact path"):
        store.read(path)
    with pytest.raises(InvalidParameter, match="artifact path"):
        store.list(path)
    with pytest.raises(InvalidParameter, match="artifact path"):
        store.delete(path)
    with pytest.raises(InvalidParameter, match="artifact path"):
        store.stat(path)
