"""Validation of tracking requests, with MLflow's limits (mlflow/utils/validation.py)."""

from __future__ import annotations

import functools
import math
import posixpath
import re

from modelyard.domain import names
from modelyard.domain.tracking import (
    ACTIVE,
    DELETED,
    LOGGED_MODEL_STATUSES,
    RUN_STATUSES,
    Dataset,
    DatasetInput,
    Metric,
)
from modelyard.errors import InvalidParameter

MAX_EXPERIMENT_NAME_LENGTH = 500
MAX_EXPERIMENT_TAG_VALUE_LENGTH = 20_000
MAX_ENTITY_KEY_LENGTH = 250
MAX_PARAM_VALUE_LENGTH = 6_000
MAX_TAG_VALUE_LENGTH = 8_000
MAX_RUN_NAME_LENGTH = 250
MAX_METRICS_PER_BATCH = 1_000
MAX_PARAMS_TAGS_PER_BATCH = 100
MAX_ENTITIES_PER_BATCH = 1_000
MAX_DATASETS_PER_BATCH = 1_000
MAX_DATASET_NAME = 500
MAX_DATASET_DIGEST = 36
MAX_DATASET_SOURCE = 65_535
MAX_DATASET_SCHEMA = 1_048_575
MAX_DATASET_PROFILE = 16_777_215
MAX_INPUT_TAG_KEY = 255
MAX_INPUT_TAG_VALUE = 500
MAX_ARTIFACT_LOCATION_LENGTH = 8_000
MAX_MODEL_HISTORY_LENGTH = 1_000_000

DEFAULT_RUNS_PER_PAGE = 1_000
MAX_RUNS_PER_PAGE = 50_000
DEFAULT_EXPERIMENTS_PER_PAGE = 1_000
MAX_EXPERIMENTS_PER_PAGE = 50_000
DEFAULT_LOGGED_MODELS_PER_PAGE = 100
MAX_LOGGED_MODELS_PER_PAGE = 1_000

VIEW_TYPES = {
    "ACTIVE_ONLY": (ACTIVE,),
    "DELETED_ONLY": (DELETED,),
    "ALL": (ACTIVE, DELETED),
}

_KEY = re.compile(r"^[/\w.\- :]+\Z")
_RUN_ID = re.compile(r"^[a-zA-Z0-9][\w\-]{0,255}\Z")
_MODEL_ID = re.compile(r"^m-[0-9a-f]{32}\Z")
_INT64_MAX = 2**63 - 1


def experiment_name(name: str | None, field: str = "name") -> str:
    name = names.require(name, field)
    names.check_length(name, field, MAX_EXPERIMENT_NAME_LENGTH)
    if re.search(r"[\x00-\x1f\x7f]", name):
        raise InvalidParameter(
            f"Invalid experiment name {name!r}: it contains a control character."
        )
    return name


def experiment_id(value: str | int | None, field: str = "experiment_id") -> int:
    """Experiment ids travel as strings of digits."""
    if value is None or (isinstance(value, str) and value.strip() == ""):
        raise InvalidParameter(f"Missing value for required parameter '{field}'.")
    text = str(value)
    if not text.isascii() or not text.isdigit() or int(text) > _INT64_MAX:
        raise InvalidParameter(f"Invalid experiment ID: {text[:100]!r}.")
    return int(text)


def run_id(value: str | None, field: str = "run_id") -> str:
    value = names.require(value, field)
    if not _RUN_ID.match(value):
        raise InvalidParameter(f"Invalid run ID: {value[:100]!r}.")
    return value


def model_id(value: str | None, field: str = "model_id") -> str:
    value = names.require(value, field)
    if not _MODEL_ID.match(value):
        raise InvalidParameter(f"Invalid logged model ID: {value[:100]!r}.")
    return value


def key(value: str | None, field: str = "key") -> str:
    """Metric, param and tag keys: MLflow's characters (its POSIX set, with ':'), at most 250 of
    them, and a path that does not resolve to another name."""
    if value is None or value == "":
        raise InvalidParameter(f"Missing value for required parameter '{field}'.")
    if not _good_key(value):
        _check_key(value, field)
    return value


@functools.lru_cache(maxsize=8192)
def _good_key(value: str) -> bool:
    """Remembers keys that passed: a run logs the same keys batch after batch."""
    try:
        _check_key(value, "key")
    except InvalidParameter:
        return False
    return True


def _check_key(value: str, field: str) -> None:
    names.check_length(value, field, MAX_ENTITY_KEY_LENGTH)
    if not _KEY.match(value):
        raise InvalidParameter(
            f"Invalid value {value[:100]!r} for parameter '{field}': names may only contain "
            "alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colons (:) "
            "and slashes (/)."
        )
    if posixpath.normpath(value) != value or value.startswith(("..", "/")) or value == ".":
        raise InvalidParameter(
            f"Invalid value {value[:100]!r} for parameter '{field}': names must not resolve to "
            f"other names when treated as paths ({posixpath.normpath(value)!r})."
        )


def tag(k: str | None, value: str | None, limit: int = MAX_TAG_VALUE_LENGTH) -> tuple[str, str]:
    k = key(k)
    if value is None:
        raise InvalidParameter("Missing value for required parameter 'value'.")
    names.check_text(value, "value", limit)
    return k, value


def param(k: str | None, value: str | None) -> tuple[str, str]:
    return tag(k, value, MAX_PARAM_VALUE_LENGTH)


def tags(pairs: list[tuple[str | None, str | None]] | None, limit: int) -> dict[str, str]:
    if pairs and len(pairs) > names.MAX_TAGS_PER_REQUEST:
        raise InvalidParameter(
            f"A request may carry at most {names.MAX_TAGS_PER_REQUEST} tags; got {len(pairs)}."
        )
    return dict(tag(k, v, limit) for k, v in pairs or [])


def int64(value: int | str | None, field: str, default: int | None = None) -> int | None:
    """int64 fields may come as JSON numbers or, from proto's JSON, as strings of digits."""
    if value is None:
        return default
    if type(value) is int and -_INT64_MAX - 1 <= value <= _INT64_MAX:
        return value  # the usual case, without the text round trip
    text = str(value)
    digits = text.removeprefix("-")
    if isinstance(value, bool) or not digits.isascii() or not digits.isdigit():
        raise InvalidParameter(f"Invalid value {text[:100]!r} for parameter '{field}'.")
    number = int(text)
    if not -_INT64_MAX - 1 <= number <= _INT64_MAX:
        raise InvalidParameter(f"Invalid value {text[:100]!r} for parameter '{field}'.")
    return number


def double(value: float | int | str | None, field: str = "value") -> float:
    """Doubles: numbers, or proto's JSON spellings "NaN", "Infinity" and "-Infinity"."""
    if type(value) is float:
        return value
    if value is None:
        raise InvalidParameter(f"Missing value for required parameter '{field}'.")
    if isinstance(value, str):
        if value not in ("NaN", "Infinity", "-Infinity"):
            raise InvalidParameter(f"Invalid value {value[:100]!r} for parameter '{field}'.")
        return float(value.replace("Infinity", "inf"))
    if isinstance(value, bool):
        raise InvalidParameter(f"Invalid value {value!r} for parameter '{field}'.")
    return float(value)


def metric(
    k: str | None,
    value: float | int | str | None,
    timestamp: int | str | None,
    step: int | str | None,
    now: int,
) -> Metric:
    number = double(value)
    if math.isnan(number):
        number = math.nan
    return Metric(
        key=key(k),
        value=number,
        timestamp=int64(timestamp, "timestamp", now) or 0,
        step=int64(step, "step", 0) or 0,
    )


def run_status(value: str | None, field: str = "status") -> str:
    if value not in RUN_STATUSES:
        raise InvalidParameter(
            f"Invalid value {str(value)[:100]!r} for parameter '{field}': "
            f"use one of {', '.join(RUN_STATUSES)}."
        )
    return value


def logged_model_status(value: str | None) -> str:
    """MLflow's wire names are LOGGED_MODEL_<status>; UPLOAD_FAILED is our FAILED."""
    short = (value or "").removeprefix("LOGGED_MODEL_").replace("UPLOAD_FAILED", "FAILED")
    if short not in LOGGED_MODEL_STATUSES:
        raise InvalidParameter(f"Invalid logged model status {str(value)[:100]!r}.")
    return short


def view_type(value: str | None) -> tuple[str, ...]:
    if value is None:
        return VIEW_TYPES["ACTIVE_ONLY"]
    stages = VIEW_TYPES.get(value)
    if stages is None:
        raise InvalidParameter(
            f"Invalid view type {value[:100]!r}: use ACTIVE_ONLY, DELETED_ONLY or ALL."
        )
    return stages


def run_name(value: str | None) -> str | None:
    names.check_length(value, "run_name", MAX_RUN_NAME_LENGTH)
    return names.check_text(value, "run_name", MAX_RUN_NAME_LENGTH)


def artifact_location(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    return names.check_text(value, "artifact_location", MAX_ARTIFACT_LOCATION_LENGTH)


def batch_sizes(metrics: int, params: int, tags_: int) -> None:
    if metrics > MAX_METRICS_PER_BATCH:
        raise InvalidParameter(
            f"A batch may have at most {MAX_METRICS_PER_BATCH} metrics; got {metrics}."
        )
    for what, count in (("params", params), ("tags", tags_)):
        if count > MAX_PARAMS_TAGS_PER_BATCH:
            raise InvalidParameter(
                f"A batch may have at most {MAX_PARAMS_TAGS_PER_BATCH} {what}; got {count}."
            )
    if metrics + params + tags_ > MAX_ENTITIES_PER_BATCH:
        raise InvalidParameter(
            f"A batch may have at most {MAX_ENTITIES_PER_BATCH} metrics, params and tags in all; "
            f"got {metrics + params + tags_}."
        )


def dataset_input(
    name: str | None,
    digest: str | None,
    source_type: str | None,
    source: str | None,
    schema: str | None,
    profile: str | None,
    input_tags: list[tuple[str | None, str | None]],
) -> DatasetInput:
    for field, value in (
        ("dataset.name", name),
        ("dataset.digest", digest),
        ("dataset.source_type", source_type),
        ("dataset.source", source),
    ):
        names.require(value, field)
    for field, value, limit in (
        ("dataset.name", name, MAX_DATASET_NAME),
        ("dataset.digest", digest, MAX_DATASET_DIGEST),
        ("dataset.source_type", source_type, MAX_DATASET_NAME),
        ("dataset.source", source, MAX_DATASET_SOURCE),
        ("dataset.schema", schema, MAX_DATASET_SCHEMA),
        ("dataset.profile", profile, MAX_DATASET_PROFILE),
    ):
        names.check_text(value, field, limit)
    checked: dict[str, str] = {}
    for k, v in input_tags:
        k = names.require(k, "tags.key")
        names.check_text(k, "tags.key", MAX_INPUT_TAG_KEY)
        if v is None:
            raise InvalidParameter("Missing value for required parameter 'tags.value'.")
        names.check_text(v, "tags.value", MAX_INPUT_TAG_VALUE)
        checked[k] = v
    dataset = Dataset(name, digest, source_type, source, schema, profile)  # type: ignore[arg-type]
    return DatasetInput(dataset, checked)
