"""The clamped network streams past the attempt's deadline, on a real socket (no server
needed beyond a listener): each phase raises httpcore's own timeout (httpx maps it to its
own), naming the phase. tests/test_slow_servers.py shows the same bounds end to end.
"""

from __future__ import annotations

import socket
import ssl
import time
from collections.abc import Iterator

import httpcore
import pytest
from openrouter_credits._clamped import _ClampedBackend, deadline

HOST = "127.0.0.1"


@pytest.fixture
def port() -> Iterator[int]:
    """A listening socket: connections complete in the kernel's backlog, nothing is said."""
    with socket.create_server((HOST, 0)) as listener:
        yield listener.getsockname()[1]


def passed(doing: str) -> str:
    return rf"^the attempt's 0 s timeout passed while {doing}$"


def test_connecting_past_the_deadline_is_a_connect_timeout(port: int) -> None:
    backend = _ClampedBackend(httpcore.SyncBackend())
    with deadline(0.0), pytest.raises(httpcore.ConnectTimeout, match=passed("connecting")):
        backend.connect_tcp(HOST, port)


def test_each_phase_of_an_open_stream_past_the_deadline_times_out(port: int) -> None:
    stream = _ClampedBackend(httpcore.SyncBackend()).connect_tcp(HOST, port, timeout=5.0)
    try:
        assert stream.get_extra_info("server_addr") == (HOST, port)
        with deadline(0.0):
            with pytest.raises(httpcore.ReadTimeout, match=passed("receiving")):
                stream.read(10)
            with pytest.raises(httpcore.WriteTimeout, match=passed("sending")):
                stream.write(b"GET / HTTP/1.1\r\n\r\n")
            with pytest.raises(httpcore.ConnectTimeout, match=passed("in the TLS handshake")):
                stream.start_tls(ssl.create_default_context(), HOST)
    finally:
        stream.close()


def test_within_the_deadline_a_read_waits_no_longer_than_the_time_left(port: int) -> None:
    # The listener never answers: the read ends by the deadline, not by its own 30 s.
    stream = _ClampedBackend(httpcore.SyncBackend()).connect_tcp(HOST, port, timeout=5.0)
    try:
        with deadline(0.2), pytest.raises(httpcore.ReadTimeout):
            stream.read(10, timeout=30.0)
    finally:
        stream.close()


@pytest.fixture
def full_port() -> Iterator[int]:
    """A listener whose accept queue is full: the kernel drops further SYNs, so connecting
    waits for its timeout."""
    with socket.create_server((HOST, 0), backlog=0) as listener:
        port = listener.getsockname()[1]
        held = [socket.socket() for _ in range(3)]
        try:
            for waiting in held:
                waiting.setblocking(False)
                waiting.connect_ex((HOST, port))
            yield port
        finally:
            for waiting in held:
                waiting.close()


def phase(name: str, stream: httpcore.NetworkStream, timeout: float) -> None:
    if name == "receiving":
        stream.read(10, timeout=timeout)
    elif name == "sending":  # more than the kernel buffers of a peer that never reads
        stream.write(b"x" * (64 << 20), timeout=timeout)
    else:
        stream.start_tls(ssl.create_default_context(), HOST, timeout=timeout)


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("receiving", httpcore.ReadTimeout),
        ("sending", httpcore.WriteTimeout),
        ("in the TLS handshake", httpcore.ConnectTimeout),
    ],
)
def test_a_phase_timeout_shorter_than_the_time_left_still_holds(
    port: int, name: str, error: type[Exception]
) -> None:
    # The clamp only ever shortens a phase: its own 50 ms ends it, long before the deadline.
    stream = _ClampedBackend(httpcore.SyncBackend()).connect_tcp(HOST, port, timeout=5.0)
    try:
        with deadline(2.0) as within, pytest.raises(error) as raised:
            phase(name, stream, 0.05)
        assert time.monotonic() < within.at
        assert "attempt's" not in str(raised.value)
    finally:
        stream.close()


def test_a_connect_timeout_shorter_than_the_time_left_still_holds(full_port: int) -> None:
    backend = _ClampedBackend(httpcore.SyncBackend())
    with deadline(2.0) as within, pytest.raises(httpcore.ConnectTimeout) as raised:
        backend.connect_tcp(HOST, full_port, timeout=0.05)
    assert time.monotonic() < within.at
    assert "attempt's" not in str(raised.value)
