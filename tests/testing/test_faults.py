"""The stand-in server's wire faults (openrouter_credits.testing.Fault), seen on raw sockets
and by httpx, and a prompt stop with hung connections."""

from __future__ import annotations

import gzip
import socket
import threading
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
from openrouter_credits.testing import EXAMPLE_CREDITS, Fault, Reply, StandInServer

from .test_server import (
    AUTH,
    GET_CREDITS,
    SHORT_READ,
    credits_url,
    raw_exchange,
    split_response,
    wait_for,
)


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(headers=AUTH, timeout=5.0) as client:
        yield client


def test_reset_is_an_rst(server: StandInServer) -> None:
    server.script(Reply(fault=Fault.RESET))
    with pytest.raises(ConnectionResetError):
        raw_exchange(server)


def test_reset_seen_by_httpx_then_recovery(server: StandInServer, client: httpx.Client) -> None:
    server.script(Reply(fault=Fault.RESET))
    with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
        client.get(credits_url(server))
    assert client.get(credits_url(server)).status_code == 200
    assert server.connections == 2


@pytest.mark.parametrize(
    ("fault", "received"),
    [
        (Fault.CLOSE_AFTER_HEADERS, lambda declared: 0),
        (Fault.CLOSE_MID_BODY, lambda declared: declared // 2),
        (Fault.SHORT_BODY, lambda declared: declared // 2),
    ],
)
def test_premature_close_on_the_wire(
    server: StandInServer, fault: Fault, received: Callable[[int], int]
) -> None:
    server.script(Reply(fault=fault))
    status, headers, body = split_response(raw_exchange(server))
    assert status == 200
    declared = int(headers["content-length"])
    assert declared > 0
    assert len(body) == received(declared)


@pytest.mark.parametrize(
    "fault", [Fault.CLOSE_AFTER_HEADERS, Fault.CLOSE_MID_BODY, Fault.SHORT_BODY]
)
def test_premature_close_seen_by_httpx(
    server: StandInServer, client: httpx.Client, fault: Fault
) -> None:
    server.script(Reply(fault=fault))
    with pytest.raises(httpx.RemoteProtocolError):
        client.get(credits_url(server))
    assert client.get(credits_url(server)).status_code == 200


def test_no_headers_times_out(server: StandInServer) -> None:
    server.script(Reply(fault=Fault.NO_HEADERS))
    with httpx.Client(timeout=SHORT_READ) as client:
        started = time.monotonic()
        with pytest.raises(httpx.ReadTimeout):
            client.get(credits_url(server))
        assert time.monotonic() - started < 2.0
        assert client.get(credits_url(server)).status_code == 200


def test_trickle_times_out_between_bytes(server: StandInServer) -> None:
    server.script(Reply(fault=Fault.TRICKLE, trickle_interval=0.5))
    with httpx.Client(timeout=SHORT_READ) as client:
        with client.stream("GET", credits_url(server)) as response:
            assert response.status_code == 200  # the headers came at once
            with pytest.raises(httpx.ReadTimeout):
                response.read()
        assert client.get(credits_url(server)).status_code == 200


def test_trickle_completes_slowly(server: StandInServer, client: httpx.Client) -> None:
    server.script(Reply(body="hello", fault=Fault.TRICKLE, trickle_interval=0.03))
    started = time.monotonic()
    assert client.get(credits_url(server)).text == "hello"
    assert time.monotonic() - started >= 0.12
    assert client.get(credits_url(server)).status_code == 200
    assert server.connections == 1  # a complete trickle keeps the connection


def test_gzip_is_valid(server: StandInServer, client: httpx.Client) -> None:
    server.script(Reply(fault=Fault.GZIP))
    response = client.get(credits_url(server))
    assert response.headers["content-encoding"] == "gzip"
    assert response.json() == EXAMPLE_CREDITS
    server.script(Reply(fault=Fault.GZIP))
    status, headers, body = split_response(
        raw_exchange(server, GET_CREDITS.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n"))
    )
    assert (status, headers["content-encoding"]) == (200, "gzip")
    assert gzip.decompress(body) == b'{"data":{"total_credits":100.5,"total_usage":25.75}}'


def test_delay_before_headers(server: StandInServer, client: httpx.Client) -> None:
    server.script(Reply(delay=0.5), Reply(delay=0.1))
    with httpx.Client(timeout=SHORT_READ) as impatient, pytest.raises(httpx.ReadTimeout):
        impatient.get(credits_url(server))
    started = time.monotonic()
    assert client.get(credits_url(server)).status_code == 200
    assert time.monotonic() - started >= 0.09


def test_stop_is_prompt_with_hung_connections() -> None:
    errors: list[Exception] = []

    def call(url: str) -> None:
        try:
            with httpx.Client(timeout=30.0) as client:
                client.get(url)
        except httpx.HTTPError as error:
            errors.append(error)

    with httpx.Client(timeout=5.0) as idle_client:
        with StandInServer() as server:
            idle_client.get(credits_url(server))  # an idle keep-alive connection stays open
            server.script(
                Reply(fault=Fault.NO_HEADERS),
                Reply(fault=Fault.TRICKLE, trickle_interval=10.0),
                Reply(delay=30.0),
            )
            url = credits_url(server)
            threads = [threading.Thread(target=call, args=(url,)) for _ in range(3)]
            for thread in threads:
                thread.start()
            silent = socket.create_connection((server.host, server.port))  # sends nothing
            wait_for(lambda: len(server.requests) == 4 and server.connections == 5)
            started = time.monotonic()
        elapsed = time.monotonic() - started  # how long __exit__ took
    for thread in threads:
        thread.join(5.0)
    silent.close()
    assert elapsed < 2.0
    assert len(errors) == 3
