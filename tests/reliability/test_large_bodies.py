"""Bodies and memory: a 5 MiB body (with ``Content-Length``, chunked, chunked under a small
``Content-Length``, until close) or a 32 MiB gzip bomb is refused with the size limit
named, without being held in memory (tracemalloc's peak), sync and async.
"""

from __future__ import annotations

import threading
import tracemalloc
from typing import Final

import pytest
from openrouter_credits import errors

from .calls import CALLS, MODES, describe
from .conftest import check_no_leak, exception_texts, open_fds, scan
from .figures import FIGURES
from .rows import LIMIT, Endpoint, Scenario, raw
from .servers import (
    Lab,
    Script,
    gzip_bomb,
    respond_gzip_bomb,
    respond_huge_chunked,
    respond_huge_chunked_declared_small,
    respond_huge_until_close,
    respond_huge_with_length,
)

pytestmark = pytest.mark.usefixtures("no_leak_across_the_module")

#: Peak Python memory allowed while a 5 MiB body is refused.
PEAK_LIMIT: Final = 4 << 20


LARGE_BODIES: Final[dict[str, Script]] = {
    "content-length": respond_huge_with_length,
    "chunked": respond_huge_chunked,
    "chunked-declared-small": respond_huge_chunked_declared_small,
    "until-close": respond_huge_until_close,
    "gzip-bomb": respond_gzip_bomb,
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("shape", list(LARGE_BODIES))
def test_large_bodies_are_refused_with_bounded_memory(shape: str, mode: str) -> None:
    gzip_bomb()  # built before measuring
    fds, threads = open_fds(), threading.active_count()
    lab = Lab()
    try:
        server = lab.raw(LARGE_BODIES[shape])
        scenario = Scenario(shape, raw(LARGE_BODIES[shape]), errors.ResponseValidationError, 1)
        endpoint = Endpoint(server.base_url, lambda: server.requests)
        tracemalloc.start()
        try:
            outcome, _ = CALLS[mode](endpoint, scenario)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        FIGURES.call(outcome)
    finally:
        lab.close()
    check_no_leak(fds, threads)
    if isinstance(outcome, BaseException):
        scan(*exception_texts(outcome))
    FIGURES.peaks[f"{shape}/{mode}"] = peak
    assert isinstance(outcome, errors.ResponseValidationError) and LIMIT in str(outcome), (
        f"expected a ResponseValidationError naming the limit: {describe(outcome)}"
    )
    assert peak < PEAK_LIMIT, f"peak memory {peak} bytes while refusing a {shape} body"
