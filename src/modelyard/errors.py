"""One exception hierarchy for all of modelyard.

    ModelyardError                 INTERNAL_ERROR           500
    ├── InvalidParameter           INVALID_PARAMETER_VALUE  400
    ├── NotFound                   RESOURCE_DOES_NOT_EXIST  404
    ├── EndpointNotFound           ENDPOINT_NOT_FOUND       404
    ├── AlreadyExists              RESOURCE_ALREADY_EXISTS  400  (MLflow's choice)
    ├── PermissionDenied           PERMISSION_DENIED        403  (also policy and approval refusals)
    ├── Unauthenticated            UNAUTHENTICATED          401
    ├── Conflict                   RESOURCE_CONFLICT        409
    ├── NotImplementedByModelyard  NOT_IMPLEMENTED          501
    ├── Unavailable                TEMPORARILY_UNAVAILABLE  503  (the only one meant to be retried)
    └── DataLoss                   DATA_LOSS                500  (bytes differ from the manifest)

`api/errors.py` is the only place these become HTTP responses. A refusal is never a 5xx: the
mlflow client retries 500/502/503/504 for minutes.
"""

from __future__ import annotations


class ModelyardError(Exception):
    error_code = "INTERNAL_ERROR"
    http_status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidParameter(ModelyardError):
    error_code = "INVALID_PARAMETER_VALUE"
    http_status = 400


class NotFound(ModelyardError):
    error_code = "RESOURCE_DOES_NOT_EXIST"
    http_status = 404


class EndpointNotFound(ModelyardError):
    error_code = "ENDPOINT_NOT_FOUND"
    http_status = 404


class AlreadyExists(ModelyardError):
    error_code = "RESOURCE_ALREADY_EXISTS"
    http_status = 400


class PermissionDenied(ModelyardError):
    error_code = "PERMISSION_DENIED"
    http_status = 403


class Unauthenticated(ModelyardError):
    error_code = "UNAUTHENTICATED"
    http_status = 401


class Conflict(ModelyardError):
    error_code = "RESOURCE_CONFLICT"
    http_status = 409


class NotImplementedByModelyard(ModelyardError):
    error_code = "NOT_IMPLEMENTED"
    http_status = 501


class Unavailable(ModelyardError):
    error_code = "TEMPORARILY_UNAVAILABLE"
    http_status = 503


class DataLoss(ModelyardError):
    """Stored bytes that no longer match what was registered: a server-side fault."""

    error_code = "DATA_LOSS"
    http_status = 500


ALL_ERRORS: tuple[type[ModelyardError], ...] = (
    ModelyardError,
    InvalidParameter,
    NotFound,
    EndpointNotFound,
    AlreadyExists,
    PermissionDenied,
    Unauthenticated,
    Conflict,
    NotImplementedByModelyard,
    Unavailable,
    DataLoss,
)
