"""Reliability: every failure a user can meet ends in a documented outcome, in bounded time,
with nothing leaked and the key never shown. Real sockets on 127.0.0.1, sync and async.

``SCENARIOS`` (scenarios.py) is the table, one row per fault; each row runs through
``get_credits`` and ``get_credits_async``. Every run asserts the outcome type, the attempts
the server saw (after timeouts: at most those asked for), the wall time against the bound
the retry policy allows (attempts x per-attempt timeout + the waits the policy allows +
``SLACK``), that no file descriptor or thread outlives it, and that the sentinel key is in
no exception text or repr, no log record (DEBUG, every logger) and no repr of the client.
Backoff waits are zero (the testing switch) except in the rows that check a real wait
(``waits=``).
"""

from __future__ import annotations

import contextlib
import threading

import pytest
from openrouter_credits import errors, retries

from ..conftest import SECRET
from .calls import CALLS, MODES, describe
from .conftest import check_no_leak, exception_texts, open_fds, scan
from .figures import FIGURES, Run
from .rows import Scenario
from .scenarios import SCENARIOS
from .servers import Lab

pytestmark = pytest.mark.usefixtures("no_leak_across_the_module")


@pytest.mark.parametrize(
    ("scenario", "mode"),
    [
        pytest.param(scenario, mode, id=f"{scenario.name}-{mode}")
        for scenario in SCENARIOS
        for mode in MODES
    ],
)
def test_scenario(scenario: Scenario, mode: str) -> None:
    fds, threads = open_fds(), threading.active_count()
    lab = Lab()
    try:
        endpoint = scenario.setup(lab)
        switch: contextlib.AbstractContextManager[None] = (
            contextlib.nullcontext() if scenario.waits else retries.set_testing(True)
        )
        with switch:
            outcome, wall = CALLS[mode](endpoint, scenario)
        FIGURES.call(outcome)
        seen, gaps = endpoint.seen(), endpoint.gaps()
        elsewhere = endpoint.other.requests if endpoint.other is not None else []
    finally:
        lab.close()
    FIGURES.runs.append(Run(scenario.name, mode, type(outcome).__name__, wall, scenario.bound))

    # No leak, the key nowhere (not even at another host), then the outcome the row expects.
    check_no_leak(fds, threads)
    if isinstance(outcome, BaseException):
        scan(*exception_texts(outcome))
    assert not any(SECRET in str(r.headers) for r in elsewhere), "the key reached another host"

    def expect(ok: bool, what: str) -> None:
        assert ok, f"{scenario.name} [{mode}]: {what}\noutcome: {describe(outcome)}"

    expect(
        isinstance(outcome, scenario.expect),
        f"expected {scenario.expect.__name__}, got {type(outcome).__name__}",
    )
    if isinstance(outcome, errors.APITimeoutError):
        # An attempt of a tenth of a second may time out before a busy server has read its
        # request: the client's own count, below, is the exact one.
        expect(seen <= scenario.attempts, f"the server saw {seen} attempts, more than asked")
    else:
        expect(seen == scenario.attempts, f"the server saw {seen}, not {scenario.attempts}")
    if isinstance(outcome, errors.NoResponseError):
        expect(outcome.attempts == scenario.tries, f"{outcome.attempts} attempts reported")
    if scenario.message:
        expect(scenario.message in str(outcome), f"{scenario.message!r} not in the message")
    expect(wall <= scenario.bound, f"took {wall:.3f} s, bound {scenario.bound:.3f} s")
    expect(wall >= scenario.min_wall, f"took {wall:.3f} s, less than {scenario.min_wall:.3f} s")
    if scenario.gap is not None:
        low, high = scenario.gap
        expect(all(low <= gap <= high for gap in gaps), f"gaps {gaps} not in [{low}, {high}]")
    expect(not elsewhere, f"another host saw {len(elsewhere)} requests")


def test_every_scenario_is_in_the_table_once() -> None:
    names = [s.name for s in SCENARIOS]
    assert len(names) == len(set(names))
    assert all(s.bound > 0 and s.attempts >= 0 for s in SCENARIOS)
