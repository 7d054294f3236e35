"""The response and error-body models (generated from openapi.yaml).

The error bodies' models are loaded when first used (a successful call never needs them):
every name below is an attribute of this module all the same.
"""

from typing import TYPE_CHECKING, Any

from ._generated import models as _models
from ._generated.models import GetCreditsData, GetCreditsResponse

if TYPE_CHECKING:
    from ._generated.models import (
        ForbiddenResponse,
        ForbiddenResponseErrorData,
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


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(_models, name)
