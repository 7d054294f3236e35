"""The response and error-body models (generated from openapi.yaml); the error bodies'
load on first use."""

from typing import TYPE_CHECKING, Any

from ._generated import models as _models
from ._generated.models.get_credits_data import GetCreditsData
from ._generated.models.get_credits_response import GetCreditsResponse

if TYPE_CHECKING:
    from ._generated.models.forbidden_response import ForbiddenResponse
    from ._generated.models.forbidden_response_error_data import ForbiddenResponseErrorData
    from ._generated.models.internal_server_response import InternalServerResponse
    from ._generated.models.internal_server_response_error_data import (
        InternalServerResponseErrorData,
    )
    from ._generated.models.unauthorized_response import UnauthorizedResponse
    from ._generated.models.unauthorized_response_error_data import (
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
