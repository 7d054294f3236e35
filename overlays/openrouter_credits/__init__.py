"""openrouter-credits: a small, typed client for OpenRouter's ``GET /credits``.

>>> from openrouter_credits import OpenRouter
>>> with OpenRouter() as open_router:          # key from OPENROUTER_API_KEY
...     res = open_router.credits.get_credits()
...     res.data.total_credits - res.data.total_usage
"""

from . import errors, models, retries, utils
from ._version import __version__
from .client import OpenRouter
from .models import GetCreditsData, GetCreditsResponse
from .retries import NO_RETRIES, BackoffStrategy, RetryConfig

__all__ = [
    "NO_RETRIES",
    "BackoffStrategy",
    "GetCreditsData",
    "GetCreditsResponse",
    "OpenRouter",
    "RetryConfig",
    "__version__",
    "errors",
    "models",
    "retries",
    "utils",
]
