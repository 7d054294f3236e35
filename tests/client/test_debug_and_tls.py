"""The debug records of an attempt with no response, and a TLS handshake that never ends."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from openrouter_credits import OpenRouter, errors
from openrouter_credits.testing import free_port

from ..conftest import SECRET


class Recorder:
    """A ``debug_logger``: keeps each record's text."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def debug(self, msg: str, *args: object) -> None:
        self.lines.append(msg % args)


def test_no_response_is_named_with_its_httpx_class_and_the_time_since_the_call() -> None:
    url = f"http://127.0.0.1:{free_port()}/api/v1"
    debug = Recorder()
    with (
        OpenRouter(api_key=SECRET, server_url=url, retry_config=None, debug_logger=debug) as sdk,
        pytest.raises(errors.APIConnectionError),
    ):
        sdk.credits.get_credits()
    assert debug.lines[0] == f"request GET {url}/credits (attempt 1)"
    match = re.fullmatch(
        rf"no response \(ConnectError\) to GET {re.escape(url)}/credits "
        r"\(attempt 1, (\d+\.\d{3}) s since the call started\)",
        debug.lines[1],
    )
    assert match, debug.lines
    assert float(match[1]) < 5.0  # seconds since this call, not a clock's reading


@pytest.fixture
def silent_tls_port() -> Iterator[int]:
    """A TCP server that accepts connections and never says a word (no TLS ServerHello)."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(5)
        for conn in accepted:
            conn.close()
        listener.close()


def test_a_tls_handshake_that_never_ends_is_a_timeout_within_the_attempt(
    silent_tls_port: int,
) -> None:
    url = f"https://127.0.0.1:{silent_tls_port}/api/v1"
    started = time.monotonic()
    with (
        OpenRouter(api_key=SECRET, server_url=url, retry_config=None, timeout_ms=400) as sdk,
        pytest.raises(errors.APITimeoutError),
    ):
        sdk.credits.get_credits()
    # Never-hang bound: one attempt's timeout, + 5 s for a busy machine (the silent server
    # would hold the handshake for ever).
    assert time.monotonic() - started < 0.4 + 5.0
