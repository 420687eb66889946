"""Two model versions side by side: metric deltas (b - a), params and tags added, removed or
changed, signatures, and files compared by path, size and sha256. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from modelyard.domain import names
from modelyard.domain.registry import ModelVersion, VersionFile
from modelyard.errors import InvalidParameter

SAME = "same"
CHANGED = "changed"
ADDED = "added"  # only in b
REMOVED = "removed"  # only in a


@dataclass(frozen=True, slots=True)
class MetricDelta:
    key: str
    a: float | None
    b: float | None
    delta: float | None  # b - a when both have the metric


@dataclass(frozen=True, slots=True)
class ValueChange:
    key: str
    a: str | None
    b: str | None
    status: str


@dataclass(frozen=True, slots=True)
class FileChange:
    path: str
    a: VersionFile | None
    b: VersionFile | None
    status: str


@dataclass(frozen=True, slots=True)
class SignatureComparison:
    a: dict[str, Any] | None
    b: dict[str, Any] | None

    @property
    def same(self) -> bool:
        return self.a == self.b


@dataclass(frozen=True, slots=True)
class Comparison:
    a: ModelVersion
    b: ModelVersion
    metrics: list[MetricDelta]
    params: list[ValueChange]
    tags: list[ValueChange]  # the versions' own tags
    run_tags: list[ValueChange]
    signature: SignatureComparison
    # None when either version has no files of its own (an external reference).
    files: list[FileChange] | None


def parse_ref(ref: str | None, field: str, default_model: str) -> tuple[str, int]:
    """`3` (a version of `default_model`) or `other-model/3`."""
    ref = names.require(ref, field).strip()
    model, slash, number = ref.rpartition("/")
    if not slash:
        return default_model, names.parse_version(ref)
    if not model:
        raise InvalidParameter(f"'{field}' must be VERSION or MODEL/VERSION, got {ref[:100]!r}.")
    return names.validate_model_name(model, field), names.parse_version(number)


def _status(a: object, b: object) -> str:
    if a is None:
        return ADDED
    if b is None:
        return REMOVED
    return SAME if a == b else CHANGED


def compare_metrics(a: Mapping[str, float], b: Mapping[str, float]) -> list[MetricDelta]:
    out = []
    for key in sorted(a.keys() | b.keys()):
        va, vb = a.get(key), b.get(key)
        delta = vb - va if va is not None and vb is not None else None
        out.append(MetricDelta(key, va, vb, delta))
    return out


def compare_values(a: Mapping[str, str], b: Mapping[str, str]) -> list[ValueChange]:
    return [
        ValueChange(key, a.get(key), b.get(key), _status(a.get(key), b.get(key)))
        for key in sorted(a.keys() | b.keys())
    ]


def compare_files(a: Sequence[VersionFile], b: Sequence[VersionFile]) -> list[FileChange]:
    """By path; a file is the same when its size and sha256 are."""
    by_a = {f.path: f for f in a}
    by_b = {f.path: f for f in b}
    return [
        FileChange(path, by_a.get(path), by_b.get(path), _status(by_a.get(path), by_b.get(path)))
        for path in sorted(by_a.keys() | by_b.keys())
    ]
