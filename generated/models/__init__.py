"""Contains all the data models used in inputs/outputs"""

from importlib import import_module
from typing import Any

_MODULES = {
    "ForbiddenResponse": ".forbidden_response",
    "ForbiddenResponseErrorData": ".forbidden_response_error_data",
    "ForbiddenResponseErrorDataMetadata": ".forbidden_response_error_data_metadata",
    "ForbiddenResponseOpenrouterMetadata": ".forbidden_response_openrouter_metadata",
    "GetCreditsData": ".get_credits_data",
    "GetCreditsResponse": ".get_credits_response",
    "InternalServerResponse": ".internal_server_response",
    "InternalServerResponseErrorData": ".internal_server_response_error_data",
    "InternalServerResponseErrorDataMetadata": ".internal_server_response_error_data_metadata",
    "InternalServerResponseOpenrouterMetadata": ".internal_server_response_openrouter_metadata",
    "UnauthorizedResponse": ".unauthorized_response",
    "UnauthorizedResponseErrorData": ".unauthorized_response_error_data",
    "UnauthorizedResponseErrorDataMetadata": ".unauthorized_response_error_data_metadata",
    "UnauthorizedResponseOpenrouterMetadata": ".unauthorized_response_openrouter_metadata",
}
__all__ = (
    "ForbiddenResponse",
    "ForbiddenResponseErrorData",
    "ForbiddenResponseErrorDataMetadata",
    "ForbiddenResponseOpenrouterMetadata",
    "GetCreditsData",
    "GetCreditsResponse",
    "InternalServerResponse",
    "InternalServerResponseErrorData",
    "InternalServerResponseErrorDataMetadata",
    "InternalServerResponseOpenrouterMetadata",
    "UnauthorizedResponse",
    "UnauthorizedResponseErrorData",
    "UnauthorizedResponseErrorDataMetadata",
    "UnauthorizedResponseOpenrouterMetadata",
)


def __getattr__(name: str) -> Any:
    if name not in _MODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(_MODULES[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
