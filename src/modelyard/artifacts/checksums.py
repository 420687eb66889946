"""Streaming sha256: count and hash bytes as they pass, without holding them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator

from modelyard.errors import DataLoss


class Digest:
    """Hashes and counts every chunk passed through `feed` or `tee`."""

    def __init__(self) -> None:
        self._sha256 = hashlib.sha256()
        self.size = 0

    def feed(self, chunk: bytes) -> bytes:
        self._sha256.update(chunk)
        self.size += len(chunk)
        return chunk

    def tee(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        for chunk in chunks:
            if chunk:
                yield self.feed(chunk)

    @property
    def sha256(self) -> str:
        return self._sha256.hexdigest()


def sha256_of(chunks: Iterable[bytes]) -> tuple[str, int]:
    """(hex sha256, size) of a stream of chunks."""
    digest = Digest()
    for _ in digest.tee(chunks):
        pass
    return digest.sha256, digest.size


def verified(chunks: Iterable[bytes], *, sha256: str, size: int) -> Iterator[bytes]:
    """Pass `chunks` through, holding back the last one until the whole stream has been
    checked against the manifest: a reader of a corrupt file never receives a complete body."""
    digest = Digest()
    held: bytes | None = None
    for chunk in digest.tee(chunks):
        if held is not None:
            yield held
        held = chunk
    if digest.sha256 != sha256 or digest.size != size:
        raise DataLoss(
            f"A stored file does not match its manifest: sha256 {digest.sha256} of "
            f"{digest.size} bytes, expected {sha256} of {size} bytes."
        )
    if held is not None:
        yield held
