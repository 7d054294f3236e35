"""``openrouter-credits --prometheus``: the credits as Prometheus text exposition format
(version 0.0.4), for node_exporter's textfile collector, and the atomic write it asks for.

Written by hand rather than with ``prometheus-client``: five label-less gauges with fixed
names and help texts (nothing to escape) and numbers in Python's shortest float repr,
which the format's Go ``ParseFloat`` reads back exactly. No sample timestamps: the textfile
collector refuses them. ``tests/cli/test_prometheus.py`` has ``promtool check metrics`` lint
the output and a real node_exporter serve it. The Prometheus rules shipped beside this
module (``prometheus-rules.yml``: the burn rate, days left, low and stale alerts) are what
`rules` returns, for ``--prometheus-rules``. docs/monitoring.md documents the metrics and
the rules.
"""

from __future__ import annotations

import contextlib
import importlib.resources
import os
import re
import tempfile
from types import TracebackType
from typing import Final, Self

import attrs

__all__ = [
    "LAST_SUCCESS",
    "PURCHASED",
    "READ_SUCCESS",
    "REMAINING",
    "USED",
    "AtomicFile",
    "Figures",
    "exposition",
    "last_success",
    "rules",
]

PURCHASED: Final = "openrouter_purchased_credits"
USED: Final = "openrouter_used_credits"
REMAINING: Final = "openrouter_remaining_credits"
READ_SUCCESS: Final = "openrouter_credits_read_success"
LAST_SUCCESS: Final = "openrouter_credits_last_success_timestamp_seconds"
#: The shipped rules, a file of this package (``promtool check rules`` and ``promtool test
#: rules`` run on it in tests/cli/test_prometheus.py).
RULES_FILE: Final = "prometheus-rules.yml"

_HELP: Final[dict[str, str]] = {
    PURCHASED: "Total credits purchased (total_credits of GET /credits).",
    USED: "Total credits used (total_usage of GET /credits).",
    REMAINING: "Credits remaining: total credits minus total usage.",
    READ_SUCCESS: "1 if the last read of GET /credits succeeded, 0 if it failed.",
    LAST_SUCCESS: "Unix time of the last successful read of GET /credits.",
}

Number = int | float


@attrs.frozen
class Figures:
    """One successful read: the numbers as the server sent them, and the time (Unix)."""

    total_credits: Number
    total_usage: Number
    remaining: Number
    read_at: float


def exposition(figures: Figures | None, previous_success: float | None = None) -> str:
    """The exposition text: ``figures`` after a successful read; after a failed one
    (``None``) only the success gauge at 0 and ``previous_success``, the time of the last
    success if known, so that no stale figure is published as if fresh."""
    samples: list[tuple[str, Number]] = []
    if figures is not None:
        samples += [
            (PURCHASED, figures.total_credits),
            (USED, figures.total_usage),
            (REMAINING, figures.remaining),
            (READ_SUCCESS, 1),
            (LAST_SUCCESS, figures.read_at),
        ]
    else:
        samples.append((READ_SUCCESS, 0))
        if previous_success is not None:
            samples.append((LAST_SUCCESS, previous_success))
    return "".join(
        f"# HELP {name} {_HELP[name]}\n# TYPE {name} gauge\n{name} {_value(value)}\n"
        for name, value in samples
    )


def _value(value: Number) -> str:
    return str(value) if isinstance(value, int) else repr(float(value))


_LAST_SUCCESS_LINE: Final = re.compile(
    rf"^{LAST_SUCCESS} ([0-9]+(?:\.[0-9]+)?(?:e\+?[0-9]+)?)$", re.MULTILINE | re.ASCII
)


def last_success(path: str) -> float | None:
    """The last-success time a previous run wrote to ``path``, if it holds a valid one."""
    try:
        with open(path, encoding="utf-8") as file:
            text = file.read(1 << 16)
    except (OSError, UnicodeDecodeError):
        return None
    match = _LAST_SUCCESS_LINE.search(text)
    return float(match[1]) if match else None


class AtomicFile:
    """``path``, replaced all at once: the text goes to a temporary file in the same
    directory (named ``.NAME.*.tmp``: not ``*.prom``, so the collector never reads it
    half-written), which is then renamed over ``path``.

    The temporary file is created on entry, so a missing or read-only directory fails
    before anything else is done; it is removed on exit unless :meth:`commit` renamed it.
    ``path`` keeps its permissions; a new file gets ``0o666`` less the umask, as ``open``
    would give it (``mkstemp``'s 0600 would hide it from a node_exporter user).
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._temp: str | None = None
        self._fd = -1

    def __enter__(self) -> Self:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.discard()

    def open(self) -> None:
        """Create the temporary file (``OSError`` if the directory does not allow it)."""
        if os.path.isdir(self.path):
            raise IsADirectoryError(21, "is a directory", self.path)
        directory, name = os.path.split(os.path.abspath(self.path))
        self._fd, self._temp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=directory)

    def discard(self) -> None:
        """Remove the temporary file unless :meth:`commit` renamed it (idempotent)."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
        if self._temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(self._temp)
            self._temp = None

    def commit(self, text: str) -> None:
        """Write ``text`` and rename it into place (``OSError`` if that fails)."""
        if self._temp is None or self._fd < 0:  # not open, committed, or a commit failed
            raise RuntimeError("AtomicFile.commit outside its with block, or twice")
        with os.fdopen(self._fd, "w", encoding="utf-8") as file:
            self._fd = -1
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
            os.fchmod(file.fileno(), _mode(self.path))
        os.replace(self._temp, self.path)
        self._temp = None


def _mode(path: str) -> int:
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def rules() -> str:
    """The Prometheus recording and alerting rules shipped with the package (YAML)."""
    return importlib.resources.files(__package__).joinpath(RULES_FILE).read_text("utf-8")
