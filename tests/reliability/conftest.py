"""The reliability suite's shared fixtures: the sentinel-key scan of every text a user may
see and the check that no file descriptor or thread outlives a run, both counted into the
figures (figures.py: written to ``build/reliability.json`` and printed at the end of the
run by tests/conftest.py). Any test module in this folder gets the secret watch; the
modules of the scenario suite also ask for ``no_leak_across_the_module``. The fd and thread
counts are this process's: under pytest-xdist each worker checks its own tests.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
import traceback
from collections.abc import Iterator

import pytest
from openrouter_credits import errors

from ..conftest import SECRET, SecretScan
from .figures import FIGURES

# --- secrets ---------------------------------------------------------------------------


def scan(*texts: str) -> None:
    """Count the texts and any that show the key; one that does fails the test at once."""
    FIGURES.texts_scanned += len(texts)
    hits = [text for text in texts if SECRET in text]
    FIGURES.secret_hits += len(hits)
    assert not hits, f"the API key is shown: {hits[0][:300]!r}"


def exception_texts(exc: BaseException) -> list[str]:
    """Everything a user may print of an exception: traceback, str, repr, body, responses."""
    texts = ["".join(traceback.format_exception(exc))]
    link: BaseException | None = exc
    for _ in range(10):  # the cause chain is short; bounded anyway
        if link is None:
            break
        texts += [str(link), repr(link), repr(link.args)]
        if isinstance(link, errors.OpenRouterError):
            response = link.raw_response
            texts += [link.body, repr(response), repr(link.headers), repr(response.request.headers)]
            texts.append(repr(getattr(link, "data", None)))
        link = link.__cause__ or link.__context__
    return texts


@pytest.fixture(autouse=True)
def secret_watch(secret_scan: SecretScan) -> Iterator[SecretScan]:
    """The suite-wide log scan (tests/conftest.py), counted into the figures."""
    yield secret_scan
    FIGURES.log_records += secret_scan.records
    FIGURES.texts_scanned += secret_scan.records
    FIGURES.secret_hits += len(secret_scan.hits)


# --- leaks -----------------------------------------------------------------------------


def fd_table() -> dict[str, str]:
    """This process's open file descriptors: number -> what it is (socket:[...], a path)."""
    table = {}
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):  # the listing's own fd is gone by now
            table[fd] = os.readlink(f"/proc/self/fd/{fd}")
    return table


def open_fds() -> int:
    return len(fd_table())


def settle(fds: int, threads: int, within: float = 5.0) -> tuple[int, int]:
    """Growth in open fds and live threads over the baseline, once things have closed."""
    deadline = time.monotonic() + within
    while True:
        growth = open_fds() - fds, threading.active_count() - threads
        if max(growth) <= 0 or time.monotonic() > deadline:
            return growth
        time.sleep(0.01)


def check_no_leak(fds: int, threads: int) -> None:
    fd_growth, thread_growth = settle(fds, threads)
    FIGURES.fd_leaks += max(fd_growth, 0)
    FIGURES.thread_leaks += max(thread_growth, 0)
    assert fd_growth <= 0, f"{fd_growth} file descriptors outlived the run: {fd_table()}"
    assert thread_growth <= 0, f"threads outlived the run: {threading.enumerate()}"


@pytest.fixture(scope="module")
def no_leak_across_the_module() -> Iterator[None]:
    """No fd or thread outlives a module (asked for by the scenario suite's modules)."""
    fds, threads = open_fds(), threading.active_count()
    yield
    check_no_leak(fds, threads)
