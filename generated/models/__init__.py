"""Contains all the data models used in inputs/outputs"""

from .forbidden_response import ForbiddenResponse
from .forbidden_response_error_data import ForbiddenResponseErrorData
from .forbidden_response_error_data_metadata import ForbiddenResponseErrorDataMetadata
from .forbidden_response_openrouter_metadata import ForbiddenResponseOpenrouterMetadata
from .get_credits_data import GetCreditsData
from .get_credits_response import GetCreditsResponse
from .internal_server_response import InternalServerResponse
from .internal_server_response_error_data import InternalServerResponseErrorData
from .internal_server_response_error_data_metadata import (
    InternalServerResponseErrorDataMetadata,
)
from .internal_server_response_openrouter_metadata import (
    InternalServerResponseOpenrouterMetadata,
)
from .unauthorized_response import UnauthorizedResponse
from .unauthorized_response_error_data import UnauthorizedResponseErrorData
from .unauthorized_response_error_data_metadata import (
    UnauthorizedResponseErrorDataMetadata,
)
from .unauthorized_response_openrouter_metadata import (
    UnauthorizedResponseOpenrouterMetadata,
)

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
