"""Shared fixtures: a stand-in server on 127.0.0.1 and the retry testing switch."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from openrouter_credits import retries
from openrouter_credits.testing import StandInServer

#: A sentinel key: tests search every text they can see for it.
SECRET = "sk-or-v1-SENTINEL-0123456789abcdef"


@pytest.fixture
def server() -> Iterator[StandInServer]:
    with StandInServer() as srv:
        yield srv


@pytest.fixture
def no_sleep() -> Iterator[None]:
    """Backoff waits are zero inside the test (the documented testing switch)."""
    with retries.testing():
        yield
