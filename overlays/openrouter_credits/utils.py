"""The official SDK's ``utils`` names: ``RetryConfig``, ``BackoffStrategy``, ``UNSET``."""

from __future__ import annotations

from typing import Final, final

from .retries import BackoffStrategy, RetryConfig

__all__ = ["UNSET", "BackoffStrategy", "RetryConfig", "Unset"]


@final
class Unset:
    """The type of :data:`UNSET`: "not given", as opposed to ``None``."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Final = Unset()
