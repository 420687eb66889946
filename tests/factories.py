"""Shared builders for tests."""

from __future__ import annotations

from typing import Any

from modelyard.domain.registry import ModelVersion
from modelyard.services import versions
from modelyard.store.uow import UnitOfWork

# Registry tests that don't care about files register external references (s3://b/...),
# which the server accepts only for prefixes the operator lists.
EXTERNAL_SOURCES = ("s3://b/",)


def new_version(uow: UnitOfWork, **kwargs: Any) -> ModelVersion:
    """A model version whose source is an external reference (no files copied)."""
    return versions.create_model_version(uow, external_sources=EXTERNAL_SOURCES, **kwargs)
