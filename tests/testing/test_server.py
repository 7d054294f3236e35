"""The stand-in server (openrouter_credits.testing), exercised with plain httpx and raw sockets:
replies, recording, connections, load. Its faults: test_faults.py; its command
line: test_cli.py. The ``server`` fixture is conftest's."""

from __future__ import annotations

import asyncio
import math
import socket
import threading
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
from openrouter_credits.testing import (
    EXAMPLE_CREDITS,
    Fault,
    Reply,
    StandInServer,
    free_port,
)

AUTH = {"Authorization": "Bearer sk-or-test"}
SHORT_READ = httpx.Timeout(5.0, read=0.2)
GET_CREDITS = b"GET /api/v1/credits HTTP/1.1\r\nHost: stand-in\r\n\r\n"


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(headers=AUTH, timeout=5.0) as client:
        yield client


def credits_url(server: StandInServer) -> str:
    return server.base_url + "/credits"


def raw_exchange(server: StandInServer, request: bytes = GET_CREDITS) -> bytes:
    """Send one request on a fresh connection; everything received until the server closes."""
    with socket.create_connection((server.host, server.port), timeout=5.0) as sock:
        sock.sendall(request)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    return received


def split_response(raw: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), headers, body


def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


# -- replies ------------------------------------------------------------------------------


def test_default_reply_is_the_spec_example(server: StandInServer, client: httpx.Client) -> None:
    assert server.base_url == f"http://127.0.0.1:{server.port}/api/v1"
    response = client.get(credits_url(server))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert int(response.headers["content-length"]) == len(response.content)
    assert (
        response.json()
        == EXAMPLE_CREDITS
        == {"data": {"total_credits": 100.5, "total_usage": 25.75}}
    )


def test_script_is_served_in_order_then_the_default(
    server: StandInServer, client: httpx.Client
) -> None:
    custom = {"data": {"total_credits": 7.0, "total_usage": 0.5}}
    server.script(Reply(status=503, headers={"Retry-After": "2"}), Reply(body=custom))
    assert server.pending == 2
    first = client.get(credits_url(server))
    assert (first.status_code, first.content, first.headers["retry-after"]) == (503, b"", "2")
    assert "content-type" not in first.headers
    assert client.get(credits_url(server)).json() == custom
    assert client.get(credits_url(server)).json() == EXAMPLE_CREDITS
    assert server.pending == 0

    server.default = Reply(status=429)
    assert server.default == Reply(status=429)
    assert client.get(credits_url(server)).status_code == 429


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (401, "Missing Authentication header"),
        (403, "Only management keys can perform this operation"),
        (500, "Internal Server Error"),
    ],
)
def test_error_statuses_get_the_spec_example_bodies(
    server: StandInServer, client: httpx.Client, status: int, message: str
) -> None:
    server.script(Reply(status=status))
    response = client.get(credits_url(server))
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"error": {"code": status, "message": message}}


def test_body_kinds(server: StandInServer, client: httpx.Client) -> None:
    server.script(
        Reply(status=502, body="<html><body>Bad gateway</body></html>", content_type="text/html"),
        Reply(body="plain words"),
        Reply(body=b"\xff\xfe not utf-8", content_type="application/json"),
        Reply(body=b"raw"),
        Reply(body=[1, 2, 3]),
        Reply(body=b"x" * 1_000_000),
    )
    html = client.get(credits_url(server))
    assert (html.status_code, html.headers["content-type"]) == (502, "text/html")
    assert html.text == "<html><body>Bad gateway</body></html>"
    text = client.get(credits_url(server))
    assert (text.text, text.headers["content-type"]) == ("plain words", "text/plain; charset=utf-8")
    assert client.get(credits_url(server)).content == b"\xff\xfe not utf-8"
    raw = client.get(credits_url(server))
    assert raw.content == b"raw"
    assert "content-type" not in raw.headers
    assert client.get(credits_url(server)).json() == [1, 2, 3]
    assert len(client.get(credits_url(server)).content) == 1_000_000


def test_reply_validation() -> None:
    with pytest.raises(ValueError):
        Reply(status=42)
    for delay, trickle_interval in [(-1, 0.2), (math.nan, 0.2), (0.0, math.inf)]:
        with pytest.raises(ValueError, match="must be finite and not negative"):
            Reply(delay=delay, trickle_interval=trickle_interval)
    headers = {"Retry-After": "1"}
    reply = Reply(headers=headers)
    headers["Retry-After"] = "9"
    assert reply.headers == {"Retry-After": "1"}


def test_only_replies_can_be_scripted(server: StandInServer) -> None:
    with pytest.raises(TypeError, match="expected Reply, got int"):
        server.script(Reply(), 503)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="expected Reply, got dict"):
        server.default = {"status": 503}  # type: ignore[assignment]
    assert (server.pending, server.default) == (0, Reply())


def test_head_and_other_methods_and_paths(server: StandInServer, client: httpx.Client) -> None:
    head = client.head(credits_url(server))
    assert head.status_code == 200
    assert head.content == b""
    assert int(head.headers["content-length"]) > 0

    missing = client.get(server.base_url + "/models")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == 404

    server.script(Reply(status=500))  # not used by 404s and 405s
    post = client.post(credits_url(server))
    assert post.status_code == 405
    assert post.headers["allow"] == "GET, HEAD"
    assert "connection" not in post.headers
    assert server.pending == 1
    assert client.get(credits_url(server)).status_code == 500
    assert server.connections == 1  # the errors kept the connection alive


def test_requests_are_recorded(server: StandInServer, client: httpx.Client) -> None:
    client.get(credits_url(server) + "?x=1", headers={"X-OpenRouter-Title": "demo"})
    client.delete(credits_url(server))
    first, second = server.requests
    assert (first.method, first.path) == ("GET", "/api/v1/credits?x=1")
    assert first.headers["authorization"] == "Bearer sk-or-test"
    assert first.headers["AUTHORIZATION"] == "Bearer sk-or-test"
    assert first.headers["x-openrouter-title"] == "demo"
    assert second.method == "DELETE"
    assert first.received_at <= second.received_at <= time.monotonic()
    assert first.connection == second.connection == 1


def chunks() -> Iterator[bytes]:
    yield b"ab"
    yield b"cd"


@pytest.mark.parametrize("content", [b"payload", chunks], ids=["content-length", "chunked"])
def test_a_request_body_is_not_read_the_connection_closes(
    server: StandInServer, client: httpx.Client, content: bytes | Callable[[], Iterator[bytes]]
) -> None:
    post = client.post(
        credits_url(server), content=content if isinstance(content, bytes) else content()
    )
    assert (post.status_code, post.headers["connection"]) == (405, "close")
    assert client.get(credits_url(server)).status_code == 200  # on a new connection
    assert [request.connection for request in server.requests] == [1, 2]


def test_statuses_without_a_body(server: StandInServer) -> None:
    server.script(Reply(status=204, body="ignored"), Reply(status=304))
    for status in (204, 304):
        raw = raw_exchange(
            server, GET_CREDITS.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n")
        )
        got, headers, body = split_response(raw)
        assert (got, body) == (status, b"")
        assert "content-length" not in headers


def test_reply_headers_replace_computed_ones(server: StandInServer, client: httpx.Client) -> None:
    server.script(Reply(headers={"content-type": "text/x-mine", "Server": "nginx"}))
    response = client.get(credits_url(server))
    assert (response.headers["content-type"], response.headers["server"]) == (
        "text/x-mine",
        "nginx",
    )
    assert response.headers.get_list("server") == ["nginx"]
    server.script(Reply(headers={"Connection": "close"}))
    status, headers, _ = split_response(raw_exchange(server))  # returns: the server closed
    assert (status, headers["connection"]) == (200, "close")


def test_recording_happens_before_the_reply(server: StandInServer) -> None:
    server.script(Reply(fault=Fault.NO_HEADERS))
    with (
        httpx.Client(timeout=SHORT_READ) as client,
        pytest.raises(httpx.ReadTimeout),
    ):
        client.get(credits_url(server))
    assert [request.method for request in server.requests] == ["GET"]


def test_reset_forgets_script_requests_and_counters(
    server: StandInServer, client: httpx.Client
) -> None:
    server.default = Reply(status=418)
    client.get(credits_url(server))
    server.script(Reply(status=500))
    server.reset()
    assert (server.requests, server.connections, server.pending) == ([], 0, 0)
    assert client.get(credits_url(server)).status_code == 418  # the default is kept
    assert len(server.requests) == 1


# -- connections --------------------------------------------------------------------------


def test_keep_alive_reuses_one_connection(server: StandInServer, client: httpx.Client) -> None:
    for _ in range(3):
        client.get(credits_url(server))
    assert server.connections == 1
    with httpx.Client() as other:
        other.get(credits_url(server))
    assert server.connections == 2
    assert [request.connection for request in server.requests] == [1, 1, 1, 2]


def test_connection_close_is_honoured(server: StandInServer) -> None:
    raw = raw_exchange(server, GET_CREDITS.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n"))
    status, headers, body = split_response(raw)  # raw_exchange returned: the server closed
    assert (status, headers["connection"]) == (200, "close")
    assert len(body) == int(headers["content-length"])


def test_free_port_refuses_connections() -> None:
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{free_port()}/api/v1/credits", timeout=5.0)


def test_redirect_to_another_server(server: StandInServer, client: httpx.Client) -> None:
    with StandInServer() as other:
        other.script(Reply(body={"data": {"total_credits": 1.0, "total_usage": 0.0}}))
        server.script(Reply(status=302, headers={"Location": credits_url(other)}))
        assert client.get(credits_url(server)).status_code == 302
        server.script(Reply(status=302, headers={"Location": credits_url(other)}))
        followed = client.get(credits_url(server), follow_redirects=True)
        assert followed.json()["data"]["total_credits"] == 1.0
        assert len(other.requests) == 1


def test_start_stop_without_with() -> None:
    server = StandInServer()
    with pytest.raises(RuntimeError):
        _ = server.port
    assert server.start() is server
    try:
        with pytest.raises(RuntimeError):
            server.start()
        assert httpx.get(credits_url(server), timeout=5.0).status_code == 200
    finally:
        server.stop()
    server.stop()  # idempotent

    port = free_port()
    fixed = StandInServer(port=port, host="127.0.0.1")
    assert fixed.port == port
    with fixed:
        assert httpx.get(f"http://127.0.0.1:{port}/api/v1/credits", timeout=5.0).is_success
    with fixed:  # restartable
        assert httpx.get(credits_url(fixed), timeout=5.0).is_success


def test_port_in_use_raises() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(OSError):
            StandInServer(port=taken.getsockname()[1]).start()


def test_ipv4_only() -> None:
    with pytest.raises(OSError, match="ddress family"):
        StandInServer(host="::1").start()


# -- load ---------------------------------------------------------------------------------


def test_many_threads(server: StandInServer) -> None:
    statuses: list[int] = []
    lock = threading.Lock()

    def work() -> None:
        with httpx.Client(headers=AUTH, timeout=10.0) as client:
            got = [client.get(credits_url(server)).status_code for _ in range(100)]
        with lock:
            statuses.extend(got)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30.0)
    assert statuses == [200] * 800
    assert len(server.requests) == 800
    assert server.connections == 8


async def test_many_async_calls(server: StandInServer) -> None:
    limits = httpx.Limits(max_connections=20, max_keepalive_connections=20)
    async with httpx.AsyncClient(headers=AUTH, timeout=10.0, limits=limits) as client:
        responses = await asyncio.gather(*(client.get(credits_url(server)) for _ in range(200)))
    assert [response.json() for response in responses] == [EXAMPLE_CREDITS] * 200
    assert len(server.requests) == 200
    # Connections were reused: at most 20 open at once; in all, a few more when a busy
    # scheduler makes httpx's pool replace some, never one a call.
    assert server.connections < len(server.requests) / 2
