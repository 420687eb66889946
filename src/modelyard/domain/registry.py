"""The registry's objects as the rest of modelyard sees them (stores return these, never rows)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")

READY = "READY"
PENDING_REGISTRATION = "PENDING_REGISTRATION"
FAILED_REGISTRATION = "FAILED_REGISTRATION"


@dataclass(slots=True)
class ModelVersion:
    name: str
    version: int
    creation_timestamp: int
    last_updated_timestamp: int
    current_stage: str
    status: str
    user_id: str | None = None
    description: str | None = None
    source: str | None = None
    run_id: str | None = None
    run_link: str | None = None
    status_message: str | None = None
    model_id: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    aliases: list[str] = field(default_factory=list)
    # Where the version's own, immutable copy of its files is served from; None for an external
    # reference, whose files modelyard does not keep.
    storage_location: str | None = None


@dataclass(frozen=True, slots=True)
class VersionFile:
    """One line of a version's manifest: a file, its size and sha256."""

    path: str
    size: int
    sha256: str


@dataclass(slots=True)
class RegisteredModel:
    name: str
    creation_timestamp: int
    last_updated_timestamp: int
    user_id: str | None = None
    description: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    # alias -> version number
    aliases: dict[str, int] = field(default_factory=dict)
    latest_versions: list[ModelVersion] = field(default_factory=list)


@dataclass(slots=True)
class Page(Generic[T]):
    items: list[T]
    next_page_token: str | None
