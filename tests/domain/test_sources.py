"""Model version sources: what may be registered (paths inside them: tests/services)."""

from __future__ import annotations

import pytest

from modelyard.domain.sources import (
    ExternalReference,
    LoggedModelArtifacts,
    OtherVersion,
    ProxiedArtifacts,
    RunArtifacts,
    copies_files,
    parse_source,
)
from modelyard.errors import InvalidParameter

MODEL_ID = "m-" + "0123456789abcdef" * 2


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("runs:/abc123/model", RunArtifacts("abc123", "model")),
        ("runs:/abc123/", RunArtifacts("abc123", "")),
        ("runs:/abc123/a/b/c.pkl", RunArtifacts("abc123", "a/b/c.pkl")),
        (f"models:/{MODEL_ID}", LoggedModelArtifacts(MODEL_ID, "")),
        (f"models:/{MODEL_ID}/sub/dir", LoggedModelArtifacts(MODEL_ID, "sub/dir")),
        ("models:/churn/3", OtherVersion("churn", 3, None)),
        ("models:/churn@champion", OtherVersion("churn", None, "champion")),
        ("mlflow-artifacts:/0/r1/artifacts/model", ProxiedArtifacts("0/r1/artifacts/model")),
        ("MLFLOW-ARTIFACTS:/x", ProxiedArtifacts("x")),
    ],
)
def test_sources_modelyard_keeps_are_recognised(source: str, expected: object) -> None:
    assert parse_source(source) == expected


@pytest.mark.parametrize(
    ("source", "why"),
    [
        ("file:///etc/passwd", "outside modelyard's artifact store"),
        ("/etc/passwd", "outside modelyard's artifact store"),
        ("../../etc/passwd", "outside modelyard's artifact store"),
        ("s3://other-bucket/model", "outside modelyard's artifact store"),
        ("http://169.254.169.254/latest", "outside"),
        ("mlflow-artifacts://evil.example:5000/x", "names a host"),
        ("runs://host/abc/model", "names a host"),
        ("runs:/abc/a\x00b", "control character"),
        ("runs:/", "no run id"),
        ("models:/churn", "expected models:/"),
        ("models:/churn/v1", "expected models:/"),
        ("runs:/abc/model?x=1", "no query"),
    ],
)
def test_sources_outside_the_store_or_escaping_it_are_refused(source: str, why: str) -> None:
    with pytest.raises(InvalidParameter, match=why):
        parse_source(source)


def test_an_operator_allowed_prefix_is_kept_as_an_external_reference() -> None:
    source = "s3://team-models/churn/1"
    assert parse_source(source, external_prefixes=["s3://team-models/"]) == ExternalReference(
        source
    )
    with pytest.raises(InvalidParameter, match="outside"):
        parse_source("s3://team-models-evil/x", external_prefixes=["s3://team-models/"])


@pytest.mark.parametrize(
    ("source", "copies"),
    [
        ("runs:/abc/model", True),
        ("mlflow-artifacts:/x/model", True),
        ("s3://team-models/churn/1", False),
        ("file:///etc/passwd", False),
    ],
)
def test_only_sources_in_the_store_copy_files(source: str, copies: bool) -> None:
    assert copies_files(source, external_prefixes=["s3://team-models/"]) is copies
