"""Bridges between the event loop and the stores' blocking I/O.

`consume_in_thread` runs a store method that reads an iterable in a worker thread, feeding it
chunks pulled from an async stream (a request body) batch by batch; `iterate_in_thread` does the
reverse for reads. Each hop between the loop and a thread moves about `batch` bytes (1 MiB), so
the cost of switching is small next to the I/O, and at most one batch is held per transfer.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Iterator
from typing import TypeVar

import anyio.from_thread
import anyio.to_thread

from modelyard.artifacts.base import CHUNK_SIZE, ByteChunks

T = TypeVar("T")


async def consume_in_thread(
    consumer: Callable[[Iterable[bytes]], T],
    chunks: AsyncIterable[bytes],
    *,
    batch: int = CHUNK_SIZE,
) -> T:
    """Run `consumer(sync_chunks)` in a worker thread, where `sync_chunks` yields `chunks`
    gathered into batches of about `batch` bytes."""
    source = aiter(chunks)
    done = False

    async def next_batch() -> bytes | None:
        nonlocal done
        parts: list[bytes] = []
        size = 0
        while not done and size < batch:
            try:
                chunk = await anext(source)
            except StopAsyncIteration:
                done = True
                break
            parts.append(chunk)
            size += len(chunk)
        return b"".join(parts) if parts else None

    def sync_chunks() -> Iterator[bytes]:
        while (piece := anyio.from_thread.run(next_batch)) is not None:
            yield piece

    return await anyio.to_thread.run_sync(consumer, sync_chunks())


async def iterate_in_thread(chunks: ByteChunks) -> AsyncIterator[bytes]:
    """Yield a store's read chunks, each fetched in a worker thread; always closes them."""
    try:
        while (chunk := await anyio.to_thread.run_sync(_next_or_none, chunks)) is not None:
            yield chunk
    finally:
        await anyio.to_thread.run_sync(chunks.close)


def _next_or_none(chunks: Iterator[bytes]) -> bytes | None:
    return next(chunks, None)
