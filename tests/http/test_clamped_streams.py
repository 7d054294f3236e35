"""The clamped backend on real sockets: each phase past the attempt's deadline raises
httpcore's own timeout (httpx maps it to its own), naming the phase; within it, a phase
waits no longer than the time left, nor longer than its own timeout; connecting passes
its address and options on; and :func:`sync_client`'s clients keep their limits, or are
not made at all. tests/http/test_slow_servers.py shows the same bounds end to end.
"""

from __future__ import annotations

import concurrent.futures
import socket
import ssl
import time
from collections.abc import Iterator

import httpcore
import httpx
import pytest
from openrouter_credits._http.clamped import (
    _ClampedBackend,
    deadline,
    ends_by,
    sync_client,
)
from openrouter_credits.testing import Reply, StandInServer

HOST = "127.0.0.1"


def passed(doing: str) -> str:
    return rf"^the attempt's 0 s timeout passed while {doing}$"


def test_connecting_past_the_deadline_is_a_connect_timeout(silent_port: int) -> None:
    backend = _ClampedBackend(httpcore.SyncBackend())
    with deadline(0.0), pytest.raises(httpcore.ConnectTimeout, match=passed("connecting")):
        backend.connect_tcp(HOST, silent_port)


def test_each_phase_of_an_open_stream_past_the_deadline_times_out(silent_port: int) -> None:
    stream = _ClampedBackend(httpcore.SyncBackend()).connect_tcp(HOST, silent_port, timeout=5.0)
    try:
        assert stream.get_extra_info("server_addr") == (HOST, silent_port)
        with deadline(0.0):
            with pytest.raises(httpcore.ReadTimeout, match=passed("receiving")):
                stream.read(10)
            with pytest.raises(httpcore.WriteTimeout, match=passed("sending")):
                stream.write(b"GET / HTTP/1.1\r\n\r\n")
            with pytest.raises(httpcore.ConnectTimeout, match=passed("in the TLS handshake")):
                stream.start_tls(ssl.create_default_context(), HOST)
    finally:
        stream.close()


@pytest.mark.parametrize("timeout", [30.0, None], ids=["own-30s", "own-none"])
def test_within_the_deadline_a_read_waits_no_longer_than_the_time_left(
    silent_port: int, timeout: float | None
) -> None:
    # The peer never answers: the read ends by the deadline, not by its own timeout (if any).
    stream = _ClampedBackend(httpcore.SyncBackend()).connect_tcp(HOST, silent_port, timeout=5.0)
    try:
        with deadline(0.2), pytest.raises(httpcore.ReadTimeout):
            stream.read(10, timeout=timeout)
    finally:
        stream.close()


def test_a_run_deadline_cuts_a_longer_attempt_deadline(silent_port: int) -> None:
    """Within a whole run's deadline (a command's --deadline) an attempt ends by the earlier of the
    two: the run's when it comes first, its own otherwise."""
    stream = _ClampedBackend(httpcore.SyncBackend()).connect_tcp(HOST, silent_port, timeout=5.0)
    try:
        overall = r"^the overall 0 s timeout passed while receiving$"
        with (
            deadline(0.0, "the overall"),
            deadline(30.0),
            pytest.raises(httpcore.ReadTimeout, match=overall),
        ):
            stream.read(10)
        with (
            deadline(30.0, "the overall"),
            deadline(0.0),
            pytest.raises(httpcore.ReadTimeout, match=passed("receiving")),
        ):
            stream.read(10)
        with deadline(30.0, "the overall") as run:
            assert ends_by() == run.at
        assert ends_by() is None
    finally:
        stream.close()


def test_without_a_deadline_a_phase_keeps_its_own_timeout(silent_port: int) -> None:
    stream = _ClampedBackend(httpcore.SyncBackend()).connect_tcp(HOST, silent_port, timeout=5.0)
    try:
        with pytest.raises(httpcore.ReadTimeout) as raised:
            stream.read(10, timeout=0.05)
        assert "attempt's" not in str(raised.value)
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
    silent_port: int, name: str, error: type[Exception]
) -> None:
    # The clamp only ever shortens a phase: its own 50 ms ends it, long before the deadline
    # (were the phase given the time left, the peer's hang-up would end it, not a timeout).
    stream = _ClampedBackend(httpcore.SyncBackend()).connect_tcp(HOST, silent_port, timeout=5.0)
    try:
        with deadline(10.0) as within, pytest.raises(error) as raised:
            phase(name, stream, 0.05)
        assert time.monotonic() < within.at
        assert "attempt's" not in str(raised.value)
    finally:
        stream.close()


def test_a_connect_timeout_shorter_than_the_time_left_still_holds(full_port: int) -> None:
    backend = _ClampedBackend(httpcore.SyncBackend())
    with deadline(10.0) as within, pytest.raises(httpcore.ConnectTimeout) as raised:
        backend.connect_tcp(HOST, full_port, timeout=0.05)
    assert time.monotonic() < within.at
    assert "attempt's" not in str(raised.value)


def test_connecting_passes_the_address_and_the_socket_options_on() -> None:
    # 127.0.0.2/.3 are loopback addresses on Linux, apart from the default 127.0.0.1.
    keepalive = (socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    with socket.create_server(("127.0.0.2", 0)) as listener:
        stream = _ClampedBackend(httpcore.SyncBackend()).connect_tcp(
            "127.0.0.2",
            listener.getsockname()[1],
            timeout=5.0,
            local_address="127.0.0.3",
            socket_options=[keepalive],
        )
        try:
            peer, (address, _) = listener.accept()
            peer.close()
            assert address == "127.0.0.3"
            sock = stream.get_extra_info("socket")
            assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
        finally:
            stream.close()


def test_the_client_keeps_to_the_connection_limits_it_is_given(server: StandInServer) -> None:
    # Two calls at once on a one-connection client: the second waits for the first's.
    server.default = Reply(delay=0.2)
    with sync_client(httpx.Limits(max_connections=1)) as client:
        url = server.base_url + "/credits"
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            statuses = list(pool.map(lambda _: client.get(url).status_code, range(2)))
    assert (statuses, len(server.requests), server.connections) == ([200, 200], 2, 1)


def test_a_transport_it_cannot_bound_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # httpx's internals changed: no clamped backend can be put in, so no client is made.
    def mock(*args: object, **kwargs: object) -> httpx.BaseTransport:
        return httpx.MockTransport(lambda request: httpx.Response(200))

    monkeypatch.setattr(httpx.Client, "_init_transport", mock)
    with pytest.raises(RuntimeError) as raised:
        sync_client(httpx.Limits())
    assert str(raised.value) == (
        "cannot bound the attempts of httpx's <class 'httpx.MockTransport'>"
    )
