"""The official SDK's ``utils`` names: ``RetryConfig``, ``BackoffStrategy``, ``UNSET``.

``UNSET`` is the generated models' own sentinel (one "not given" value for the whole
package; its repr is ``UNSET``).
"""

from __future__ import annotations

from ._generated.types import UNSET, Unset
from .retries import BackoffStrategy, RetryConfig

__all__ = ["UNSET", "BackoffStrategy", "RetryConfig", "Unset"]
