"""The response and error-body models (generated from openapi.yaml)."""

from ._generated.models import (
    ForbiddenResponse,
    ForbiddenResponseErrorData,
    GetCreditsData,
    GetCreditsResponse,
    InternalServerResponse,
    InternalServerResponseErrorData,
    UnauthorizedResponse,
    UnauthorizedResponseErrorData,
)

__all__ = [
    "ForbiddenResponse",
    "ForbiddenResponseErrorData",
    "GetCreditsData",
    "GetCreditsResponse",
    "InternalServerResponse",
    "InternalServerResponseErrorData",
    "UnauthorizedResponse",
    "UnauthorizedResponseErrorData",
]
