"""What one row of the scenario table is: where its client goes (``Endpoint``, made by a
setup: ``stand_in``, ``refused``, ``raw``, ``redirect``, ``https``) and what it expects
(``Scenario``: outcome, attempts, the wall-time bound the retry policy allows).
"""

from __future__ import annotations

import itertools
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from openrouter_credits import GetCreditsResponse, RetryConfig, errors
from openrouter_credits._constants import MAX_BODY_BYTES
from openrouter_credits.testing import Reply, StandInServer, free_port
from openrouter_credits.utils import UNSET, Unset

from .servers import Lab, Script, tls

#: Added to every wall-time bound: scheduling on a busy machine, not policy. Generous on
#: purpose (``make test-under-load``): a bound says "never hangs", and each row whose
#: point is a timeout or a wait is also pinned by its outcome and its lower bound.
SLACK: Final = 5.0
#: Added to the upper end of every honoured wait, measured between the server's requests:
#: it still tells a wait of seconds from one of hours.
GAP_SLACK: Final = 2.0
#: The per-attempt timeout of a row whose point is not a timeout: long enough that a busy
#: machine never turns its outcome into one (a TLS handshake, a large body on two cores).
ROOMY_TIMEOUT_MS: Final = 10_000
#: The words every oversized-body error must say.
LIMIT: Final = f"{MAX_BODY_BYTES} byte limit"


def _zero() -> int:
    return 0


def _none() -> list[float]:
    return []


@dataclass(frozen=True)
class Endpoint:
    """Where a run's client goes, and what the server side saw."""

    url: str
    seen: Callable[[], int] = _zero
    """Attempts the server saw: requests (TLS: connections, as no request gets through)."""
    gaps: Callable[[], list[float]] = _none
    """Seconds between consecutive requests, as the server received them."""
    other: StandInServer | None = None
    """Another host a redirect points to: it must see nothing."""
    verify: ssl.SSLContext | None = None
    """Bring an httpx client trusting this (TLS through the client's options)."""
    follow_redirects: bool = False
    """Bring an httpx client that follows redirects."""


Setup = Callable[[Lab], Endpoint]


def request_gaps(server: StandInServer) -> list[float]:
    return [b.received_at - a.received_at for a, b in itertools.pairwise(server.requests)]


def stand_in(*script: Reply, default: Reply | None = None) -> Setup:
    def setup(lab: Lab) -> Endpoint:
        server = lab.stand_in(*script, default=default)
        return Endpoint(server.base_url, lambda: len(server.requests), lambda: request_gaps(server))

    return setup


def refused(lab: Lab) -> Endpoint:
    return Endpoint(f"http://127.0.0.1:{free_port()}/api/v1")


def raw(script: Script) -> Setup:
    def setup(lab: Lab) -> Endpoint:
        server = lab.raw(script)
        return Endpoint(server.base_url, lambda: server.requests)

    return setup


def redirect(status: int, *, follow: bool = False) -> Setup:
    def setup(lab: Lab) -> Endpoint:
        other = lab.stand_in()
        location = other.base_url + "/credits"
        server = lab.stand_in(default=Reply(status=status, headers={"Location": location}))
        return Endpoint(
            server.base_url, lambda: len(server.requests), other=other, follow_redirects=follow
        )

    return setup


def https(*, trusted: bool) -> Setup:
    def setup(lab: Lab) -> Endpoint:
        server = lab.https()
        url = f"https://127.0.0.1:{server.server_address[1]}/api/v1"
        return Endpoint(url, lambda: server.connections, verify=tls()[1] if trusted else None)

    return setup


def policy_waits(
    config: RetryConfig, retries_: int, hint: float | None = None
) -> tuple[float, ...]:
    """The longest waits ``config`` allows before retries 1..n: a server hint capped at
    max_interval, else the backoff without jitter (which only shortens it)."""
    backoff = config.backoff
    cap = backoff.max_interval / 1000
    if hint is not None:
        return (min(hint, cap),) * retries_
    return tuple(
        min(backoff.initial_interval * backoff.exponent ** (n - 1), backoff.max_interval) / 1000
        for n in range(1, retries_ + 1)
    )


@dataclass(frozen=True)
class Scenario:
    name: str
    setup: Setup
    expect: type[GetCreditsResponse] | type[errors.OpenRouterBaseError]
    attempts: int
    """Attempts the server saw."""
    client_attempts: int | None = None
    """``NoResponseError.attempts`` when it differs from ``attempts`` (refused: the server saw
    none)."""
    timeout_ms: int = ROOMY_TIMEOUT_MS
    retry: RetryConfig | Unset | None = UNSET
    waits: tuple[float, ...] = ()
    """Real waits the policy allows (s); empty: the testing switch makes them zero."""
    gap: tuple[float, float] | None = None
    """Bounds on every gap between the server's requests (s): a real wait, measured."""
    min_wall: float = 0.0
    message: str = ""
    """Must appear in the error's text."""

    @property
    def tries(self) -> int:
        return self.attempts if self.client_attempts is None else self.client_attempts

    @property
    def bound(self) -> float:
        """Attempts x per-attempt timeout + the waits the policy allows + slack."""
        return self.tries * self.timeout_ms / 1000 + sum(self.waits) + SLACK
