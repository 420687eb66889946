"""Request bodies of MLflow's ModelRegistryService, as the mlflow client sends them.

Fields are optional here on purpose: required-ness and value rules live in the domain, which
answers with MLflow's messages ("Missing value for required parameter 'name'.").
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Request(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Tag(Request):
    key: str | None = None
    value: str | None = None


class Name(Request):
    name: str | None = None


class NameVersion(Name):
    version: str | int | None = None


class CreateRegisteredModel(Name):
    tags: list[Tag] | None = None
    description: str | None = None
    deployment_job_id: str | None = None


class RenameRegisteredModel(Name):
    new_name: str | None = None


class UpdateRegisteredModel(Name):
    description: str | None = None
    deployment_job_id: str | None = None


class Search(Request):
    filter: str | None = None
    max_results: int | None = None
    order_by: list[str] | None = None
    page_token: str | None = None


class GetLatestVersions(Name):
    stages: list[str] | None = None


class CreateModelVersion(Name):
    source: str | None = None
    run_id: str | None = None
    tags: list[Tag] | None = None
    run_link: str | None = None
    description: str | None = None
    model_id: str | None = None


class UpdateModelVersion(NameVersion):
    description: str | None = None


class TransitionModelVersionStage(NameVersion):
    stage: str | None = None
    archive_existing_versions: bool | None = None


class SetRegisteredModelTag(Name):
    key: str | None = None
    value: str | None = None


class DeleteRegisteredModelTag(Name):
    key: str | None = None


class SetModelVersionTag(NameVersion):
    key: str | None = None
    value: str | None = None


class DeleteModelVersionTag(NameVersion):
    key: str | None = None


class SetAlias(Name):
    alias: str | None = None
    version: str | int | None = None


class Alias(Name):
    alias: str | None = None


def tag_pairs(tags: list[Tag] | None) -> list[tuple[str, str]] | None:
    return [(t.key, t.value) for t in tags] if tags else None  # type: ignore[misc]
