"""The monitoring plugin's state file (``--state-file``): the readings :mod:`._forecast`
needs, in a JSON file of the plugin's own, replaced atomically, under a ``flock`` of
``PATH.lock``; docs/monitoring.md#days-left---state-file says what happens to a missing or
foreign file, and why."""

from __future__ import annotations

import contextlib
import fcntl
import json
import math
import os
import time
from collections.abc import Iterator
from typing import Any, Final

from ._forecast import Reading
from ._prometheus import AtomicFile

__all__ = ["FORMAT", "StateError", "load", "locked", "save"]

FORMAT: Final = "check_openrouter_credits state"
VERSION: Final = 1
_LOCK_POLL: Final = 0.05


class StateError(Exception):
    """The state file cannot be used; the message names the file and what is wrong."""


@contextlib.contextmanager
def locked(path: str, timeout: float) -> Iterator[None]:
    """Hold the exclusive lock of ``path`` (on ``PATH.lock``, created if needed), waiting
    at most ``timeout`` seconds for another run to release it."""
    lock = path + ".lock"
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise StateError(f"cannot create the lock file {lock}: {_reason(exc)}") from None
    try:
        give_up = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= give_up:
                    raise StateError(
                        f"the state file {path} stayed locked by another run for {timeout:g} s"
                    ) from None
                time.sleep(_LOCK_POLL)
        yield
    finally:
        os.close(fd)  # releases the lock


def load(path: str) -> list[Reading]:
    """The readings in ``path``, oldest first; none if it does not exist."""
    try:
        with open(path, "rb") as file:
            raw = file.read(1 << 20)
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise StateError(f"cannot read the state file {path}: {_reason(exc)}") from None
    try:
        readings = _readings(json.loads(raw))
    except (ValueError, OverflowError):  # not JSON; a number too large for a float
        readings = None
    if readings is None:
        raise StateError(
            f"{path} is not a check_openrouter_credits state file (or it is damaged), left "
            "as it is: delete it to start afresh, or choose another --state-file"
        )
    return readings


def save(path: str, readings: list[Reading]) -> None:
    """Replace ``path`` with ``readings``, atomically."""
    document = {
        "format": FORMAT,
        "version": VERSION,
        "readings": [[r.time, r.usage, r.credits] for r in readings],
    }
    try:
        with AtomicFile(path) as file:
            file.commit(json.dumps(document, separators=(",", ":")) + "\n")
    except OSError as exc:
        raise StateError(f"cannot write the state file {path}: {_reason(exc)}") from None


def _readings(document: Any) -> list[Reading] | None:
    """The readings of a parsed state file; ``None`` if it is not one."""
    if not (
        isinstance(document, dict)
        and document.get("format") == FORMAT
        and document.get("version") == VERSION
        and isinstance(document.get("readings"), list)
    ):
        return None
    readings = []
    for item in document["readings"]:
        if not (isinstance(item, list) and len(item) == 3 and all(map(_finite, item))):
            return None
        readings.append(Reading(*(float(x) for x in item)))
    return readings


def _finite(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)
