"""openrouter-credits: a small, typed client for OpenRouter's ``GET /credits``."""

from ._version import __version__

__all__ = ["__version__"]
