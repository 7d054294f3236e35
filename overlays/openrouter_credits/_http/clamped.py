"""The sync attempt deadline: an httpcore network backend that clamps every timeout.

:func:`sync_client`'s streams end each connect, TLS handshake, read and write by the
:func:`deadline` in force. How and why: docs/maintaining/attempt-deadline.md.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from typing import Any, Final

import httpcore
import httpx

__all__ = ["deadline", "ends_by", "sync_client"]


_DEADLINE: Final[ContextVar[deadline | None]] = ContextVar(
    "openrouter_credits_attempt_deadline", default=None
)


def _clamp(timeout: float | None, error: type[Exception], doing: str) -> float | None:
    """``timeout``, or less: the time left before the current attempt's deadline."""
    deadline = _DEADLINE.get()
    if deadline is None:
        return timeout
    left = deadline.at - time.monotonic()
    if left <= 0:
        raise error(f"{deadline.what} {deadline.seconds:g} s timeout passed while {doing}")
    return left if timeout is None or left < timeout else timeout


class _ClampedStream(httpcore.NetworkStream):
    """A network stream whose reads and writes end by the attempt's deadline."""

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _clamp(timeout, httpcore.ReadTimeout, "receiving"))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if buffer:  # b"" (end of a bodiless request): nothing to bound
            self._stream.write(buffer, _clamp(timeout, httpcore.WriteTimeout, "sending"))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        timeout = _clamp(timeout, httpcore.ConnectTimeout, "in the TLS handshake")
        return _ClampedStream(self._stream.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _ClampedBackend(httpcore.NetworkBackend):
    """httpcore's network backend, its connections and streams bounded by the deadline.

    TCP only: the clients :func:`sync_client` makes never use a Unix socket, nor retry a
    connection (so never sleep), so ``connect_unix_socket`` and ``sleep`` are left to the
    base class (``NotImplementedError``) rather than untested code."""

    def __init__(self, backend: httpcore.NetworkBackend) -> None:
        self._backend = backend

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        timeout = _clamp(timeout, httpcore.ConnectTimeout, "connecting")
        stream = self._backend.connect_tcp(host, port, timeout, local_address, socket_options)
        return _ClampedStream(stream)


def sync_client(
    limits: httpx.Limits,
    headers: Mapping[str, str] | None = None,
    timeout: httpx.Timeout | float = 5.0,  # httpx's default
) -> httpx.Client:
    """An httpx client whose every transport (proxies from the environment too) is clamped,
    through private attributes of httpx and httpcore: docs/maintaining/attempt-deadline.md."""
    client = httpx.Client(follow_redirects=False, limits=limits, headers=headers, timeout=timeout)
    for transport in (client._transport, *client._mounts.values()):
        if transport is None:  # a NO_PROXY entry
            continue
        pool = getattr(transport, "_pool", None)
        if not isinstance(pool, httpcore.ConnectionPool):
            client.close()
            raise RuntimeError(f"cannot bound the attempts of httpx's {type(transport)!r}")
        pool._network_backend = _ClampedBackend(pool._network_backend)
    return client


class deadline:  # not a generator: cheaper
    """Within the block, clamped streams end by ``seconds`` from now, or by the deadline
    already in force (a whole run's) if sooner: the one the block gets."""

    __slots__ = ("_token", "at", "seconds", "what")

    def __init__(self, seconds: float, what: str = "the attempt's") -> None:
        self.at = time.monotonic() + seconds  # past which it is over
        self.seconds = seconds  # its length and what it is, for messages
        self.what = what  # "the attempt's" or "the overall"

    def __enter__(self) -> deadline:
        outer = _DEADLINE.get()
        current = outer if outer is not None and outer.at <= self.at else self
        self._token = _DEADLINE.set(current)
        return current

    def __exit__(self, *exc: object) -> None:
        _DEADLINE.reset(self._token)


def ends_by() -> float | None:
    """When (``time.monotonic()``) the deadline in force ends; ``None``: none."""
    deadline = _DEADLINE.get()
    return None if deadline is None else deadline.at
