"""Our error table and the mlflow client's must not drift apart: the client decides from the
status whether to retry, and maps codes back to exceptions."""

from __future__ import annotations

import pytest
from mlflow.exceptions import ERROR_CODE_TO_HTTP_STATUS
from mlflow.utils.request_utils import _TRANSIENT_FAILURE_RESPONSE_CODES

from modelyard import errors
from modelyard.errors import ALL_ERRORS, ModelyardError


def _subclasses(cls: type[ModelyardError]) -> set[type[ModelyardError]]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found


@pytest.mark.parametrize("cls", ALL_ERRORS, ids=lambda c: c.__name__)
def test_status_matches_the_mlflow_client(cls: type[ModelyardError]) -> None:
    assert cls.error_code in ERROR_CODE_TO_HTTP_STATUS, f"mlflow has no code {cls.error_code}"
    assert cls.http_status == ERROR_CODE_TO_HTTP_STATUS[cls.error_code]


def test_every_error_class_is_in_the_table() -> None:
    defined = {
        obj
        for obj in vars(errors).values()
        if isinstance(obj, type) and issubclass(obj, ModelyardError)
    }
    assert defined | _subclasses(ModelyardError) == set(ALL_ERRORS)
    assert len(ALL_ERRORS) == len(set(ALL_ERRORS))


def test_only_unavailable_is_retried_by_the_client() -> None:
    # A refusal must not have a status the client retries, or the client hammers the server
    # for minutes before it gives up (CONVENTIONS D). The list is private to mlflow; if it moves,
    # this import fails loudly rather than the check going stale.
    # DataLoss is no refusal: it cuts a download short, where no status is sent any more.
    retried = [c for c in ALL_ERRORS if c.http_status in _TRANSIENT_FAILURE_RESPONSE_CODES]
    assert {c.__name__ for c in retried} == {"ModelyardError", "Unavailable", "DataLoss"}
