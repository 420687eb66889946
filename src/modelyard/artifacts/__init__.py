"""Artifact stores: a local folder or an S3-compatible bucket, behind `base.ArtifactStore`."""

from __future__ import annotations

from modelyard.artifacts.base import ArtifactStore
from modelyard.config import Settings


def open_artifact_store(settings: Settings) -> ArtifactStore:
    """The store for `settings.resolved_artifacts()`: 's3://bucket/prefix' or a local folder."""
    location = settings.resolved_artifacts()
    if location.startswith("s3://"):
        # boto3 is imported only when S3 is used.
        from modelyard.artifacts.s3 import S3ArtifactStore, parse_s3_url

        bucket, prefix = parse_s3_url(location)
        return S3ArtifactStore(bucket, prefix, endpoint_url=settings.s3_endpoint_url)
    from modelyard.artifacts.local import LocalArtifactStore

    return LocalArtifactStore(location.removeprefix("file://"))
