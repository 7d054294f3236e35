"""What the two commands share: exit statuses, key reading, failures as one line, numbers.

``openrouter-credits`` (:mod:`.cli`) and ``check_openrouter_credits`` (:mod:`._plugin`)
read the key, turn the client's errors into one-line reasons and compute what remains the
same way; README "Command line" and "Monitoring" document both.
"""

from __future__ import annotations

import argparse
import contextlib
import enum
import gc
import logging
import math
import os
import stat
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Final

from .. import errors
from .._constants import API_KEY_ENV, DEFAULT_SERVER_URL, LOGGER_NAME
from .._generated.models.get_credits_response import GetCreditsResponse
from .._options import resolve_api_key
from .._responses import quote
from ..client import OpenRouter
from ._deadline import read_credits


def imports_done(argv: Sequence[str] | None) -> None:
    """Called first by each command's ``main``. Run as its process's own program (``argv``
    None: ``sys.argv``), a command keeps what it imported until the process ends, so
    ``gc.freeze()`` takes it out of every later collection, the interpreter's last one at
    exit included (BENCHMARKS.md section 5). Called with ``argv`` (tests, a program of
    yours) it changes nothing."""
    if argv is None:
        gc.freeze()


class ExitStatus(enum.IntEnum):
    """Every exit status of ``openrouter-credits``; `EXIT_STATUSES` says what each means."""

    OK = 0
    INTERNAL = 1
    BELOW_MINIMUM = 2
    KEY = 3
    FORBIDDEN = 4
    SERVER = 5
    NETWORK = 6
    INVALID_RESPONSE = 7
    USAGE = 64
    CANNOT_WRITE = 73
    INTERRUPTED = 130


#: Every exit status and what it means (the ``--help`` epilog and the README list these).
EXIT_STATUSES: Final[dict[int, str]] = {
    ExitStatus.OK: "success: the credits were printed",
    ExitStatus.INTERNAL: "unexpected internal error (a bug: please report it)",
    ExitStatus.BELOW_MINIMUM: "success, but remaining credits are below --min-remaining",
    ExitStatus.KEY: "no API key, an unreadable or (--strict-key-file) exposed key file, or a "
    "rejected key (HTTP 401)",
    ExitStatus.FORBIDDEN: "the key may not read credits: not a management key (HTTP 403)",
    ExitStatus.SERVER: "server error or another unexpected HTTP status (5XX, 429, 404, ...)",
    ExitStatus.NETWORK: "network failure or timeout: no response after the retries",
    ExitStatus.INVALID_RESPONSE: "the response body is not the documented credits JSON",
    ExitStatus.USAGE: "usage error: a bad option or option value",
    ExitStatus.CANNOT_WRITE: "cannot write the --output file (nothing was changed)",
    ExitStatus.INTERRUPTED: "interrupted (Ctrl-C)",
}

MANAGEMENT_KEYS_URL: Final = "https://openrouter.ai/docs/guides/overview/auth/management-api-keys"
#: Said when total credits and usage are both 0 (printed, the run still succeeds).
ZERO_HINT: Final = (
    "total credits and total usage are both 0: some deployments see this with a key that "
    f"is not a management key; check the key if credits were bought ({MANAGEMENT_KEYS_URL})"
)


class Exit(Exception):
    """Stop with ``status`` after printing ``message`` (one line) on standard error."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def unrecognized(words: list[str]) -> str:
    """Name unknown options (without ``=value``); count other words without showing them."""
    options = [w.split("=", 1)[0] for w in words if w.startswith("-")]
    hidden = len(words) - len(options)
    parts = []
    if options:
        plural = "s" if len(options) > 1 else ""
        parts.append(f"unrecognized option{plural} " + ", ".join(options))
    if hidden:
        plural = "s" if hidden > 1 else ""
        parts.append(f"{hidden} unexpected argument{plural} (not shown)")
    return "; ".join(parts)


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """``-w, --warning RANGE`` on every Python (3.13's way)."""

    def _format_action_invocation(self, action: argparse.Action) -> str:
        if not action.option_strings or action.nargs == 0:
            return super()._format_action_invocation(action)
        value = self._format_args(action, self._get_default_metavar_for_optional(action))
        return f"{', '.join(action.option_strings)} {value}"


class RejectKeyArgument(argparse.Action):
    """``--api-key``: refused, without echoing the value, so it is never taken for a prefix
    of ``--api-key-file`` nor printed back."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[object] | None,
        option_string: str | None = None,
    ) -> None:
        parser.error(
            f"{option_string} is not supported: a key on the command line shows in process "
            f"lists; set {API_KEY_ENV} or use --api-key-file"
        )


def add_key_and_server(group: argparse._ActionsContainer) -> None:
    """``--api-key-file``, the refused ``--api-key`` and ``--server-url``: the options both
    commands take the same way."""
    group.add_argument(
        "--api-key-file",
        metavar="PATH",
        help=f"read the key from PATH ('-': standard input) instead of {API_KEY_ENV}",
    )
    group.add_argument(
        "--strict-key-file",
        action="store_true",
        help="refuse a key file its group or others may access (default: a warning)",
    )
    group.add_argument("--api-key", nargs="?", action=RejectKeyArgument, help=argparse.SUPPRESS)
    group.add_argument(
        "--server-url",
        metavar="URL",
        default=DEFAULT_SERVER_URL,
        help="API base URL (default: %(default)s)",
    )


def positive_seconds(text: str) -> float:
    return positive_number(text, "number of seconds")


def positive_number(text: str, what: str = "number") -> float:
    """``text`` as a finite number above 0; the error names ``what`` was expected."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a {what}: {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive {what}, got {text!r}")
    return value


#: Seconds per unit of a duration (``--window``).
_UNITS: Final = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def duration(text: str) -> float:
    """A duration as seconds: a positive number followed by s, m, h or d (``90m``,
    ``1.5d``); the unit is required."""
    number, unit = text[:-1], text[-1:]
    if unit not in _UNITS:
        raise argparse.ArgumentTypeError(
            f"not a duration: {text!r} (a number followed by s, m, h or d, e.g. 24h)"
        )
    try:
        return positive_number(number) * _UNITS[unit]
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"not a duration: {text!r} (a positive number followed by s, m, h or d, e.g. 24h)"
        ) from None


def amount(text: str) -> Exact:
    """``text`` as the decimal module reads a number (imported here: only an option that
    takes an amount needs it, and its import is a noticeable part of a command run)."""
    from decimal import Decimal

    try:
        value = Decimal(text.strip())
    except ArithmeticError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value.is_finite():
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
    return Exact(str(value))


#: Whether a file's mode says who may read it (POSIX); elsewhere the check is skipped.
POSIX_MODES: Final = os.name == "posix"


def read_key(path: str | None, strict: bool, warn: Callable[[str], None]) -> str:
    """The key from ``path`` (``-``: standard input) or the environment; checked, not shown.

    A key file its group or others may access is refused when ``strict``; otherwise
    ``warn`` is given one line naming the file and the fix.
    """
    text: str | None = None
    where = API_KEY_ENV
    exposed: tuple[str, str] | None = None  # the key file's permissions: problem, fix
    if path is not None:
        where = "standard input" if path == "-" else f"key file {path}"
        try:
            if path == "-":
                text = sys.stdin.read()
            else:
                with open(path, encoding="utf-8") as file:
                    exposed = _exposed(path, os.fstat(file.fileno()).st_mode)  # the file read
                    text = file.read()
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise Exit(ExitStatus.KEY, f"cannot read the API key from {where}: {reason}") from None
    try:
        key = resolve_api_key(text, f"the API key from {where}")
    except errors.MissingAPIKeyError:
        if path is not None:
            raise Exit(ExitStatus.KEY, f"no API key: {where} is empty") from None
        raise Exit(
            ExitStatus.KEY,
            f"no API key: set {API_KEY_ENV} or use --api-key-file PATH (a management key)",
        ) from None
    except ValueError as exc:
        raise Exit(ExitStatus.KEY, str(exc)) from None
    if exposed is not None:
        problem, fix = exposed
        if strict:
            raise Exit(ExitStatus.KEY, f"{problem}: refused (--strict-key-file); {fix}")
        warn(f"warning: {problem}; {fix}")
    return key


def _exposed(path: str, mode: int) -> tuple[str, str] | None:
    """For a key file of ``mode`` that its group or others may access: the problem and the
    fix; ``None`` when only its owner may (or the system has no POSIX modes)."""
    mode = stat.S_IMODE(mode)
    if not (POSIX_MODES and mode & 0o077):
        return None
    import shlex  # here: only an exposed key file needs it

    problem = f"key file {path} is open to its group or others (mode {mode:04o})"
    return problem, f"chmod 600 {shlex.quote(path)}"


@contextlib.contextmanager
def client_log(handler: logging.Handler) -> Iterator[None]:
    """The client's log records (logger ``openrouter_credits``) at the handler's level and
    above to ``handler``: its warnings (a category sent as given, plain ``http://``) as
    this command's lines. `errors.InsecureTransportWarning` itself is not shown: its log
    record says the same."""
    logger = logging.getLogger(LOGGER_NAME)
    level = logger.level
    logger.addHandler(handler)
    if logger.getEffectiveLevel() > handler.level:
        logger.setLevel(handler.level)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", errors.InsecureTransportWarning)
            yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def read(client: OpenRouter, deadline: float | None, started: float) -> GetCreditsResponse:
    """One read of the credits (closing ``client``), within what is left of ``deadline``
    seconds since ``started``; a failure is raised as its `Exit`."""
    try:
        return read_credits(client, deadline, started)
    except errors.OpenRouterBaseError as exc:
        raise Exit(*failure(exc)) from None


def failure(exc: errors.OpenRouterBaseError) -> tuple[int, str]:
    """The exit status and the one-line message for an error from the client."""
    if isinstance(exc, errors.MissingAPIKeyError):
        return ExitStatus.KEY, f"no API key: set {API_KEY_ENV} or use --api-key-file PATH"
    if isinstance(exc, errors.UnauthorizedResponseError):
        detail = exc.data.error.message if exc.data is not None else _excerpt(exc)
        return ExitStatus.KEY, (
            f"the API key was rejected (HTTP 401: {detail}); check {API_KEY_ENV} or --api-key-file"
        )
    if isinstance(exc, errors.ForbiddenResponseError):
        detail = exc.data.error.message if exc.data is not None else _excerpt(exc)
        return ExitStatus.FORBIDDEN, (
            f"the API key may not read credits (HTTP 403: {detail}); GET /credits needs "
            f"a management key: {MANAGEMENT_KEYS_URL}"
        )
    if isinstance(exc, errors.ResponseValidationError):
        return ExitStatus.INVALID_RESPONSE, f"invalid response: {exc}"
    if isinstance(exc, errors.OpenRouterError):
        return ExitStatus.SERVER, f"server error: {exc}"
    if isinstance(exc, errors.APITimeoutError):
        return ExitStatus.NETWORK, f"timeout: {exc}"
    if isinstance(exc, errors.NoResponseError):
        return ExitStatus.NETWORK, f"network error: {exc}"
    raise exc  # no such error is raised by the client: a bug, which main reports as one


def _excerpt(exc: errors.OpenRouterError) -> str:
    """A short excerpt of an undocumented error body (the client already redacted it)."""
    text = " ".join(exc.body.split())
    return repr(quote(text)) if text else "empty body"


# --- numbers: in decimal, as the server wrote them ---------------------------------------

Number = int | float


class Exact:
    """A decimal number held exactly, ``coefficient / 10**places``: a float at its shortest
    repr (0.1, not 0.1000000000000000055), so that arithmetic and output are in the
    decimals the JSON had. Plain integers, not the decimal module: its import is a
    noticeable part of a command run (BENCHMARKS.md)."""

    __slots__ = ("coefficient", "places")

    def __init__(self, value: Number | str) -> None:
        """``value``: a number, or a decimal's text (``-1.5``, ``.5``, ``2E+3``)."""
        text = repr(value) if isinstance(value, float) else str(value)
        mantissa, _, exponent = text.lower().partition("e")
        whole, _, fraction = mantissa.partition(".")
        places = len(fraction) - int(exponent or 0)
        self.coefficient: int = int(whole + fraction) * 10 ** max(-places, 0)
        self.places = max(places, 0)

    def scaled(self, places: int) -> int:
        """The value times ``10**places`` (not fewer places than its own)."""
        factor: int = 10 ** (places - self.places)
        return self.coefficient * factor

    def __lt__(self, other: Exact) -> bool:
        places = max(self.places, other.places)
        return self.scaled(places) < other.scaled(places)

    def __gt__(self, other: Exact) -> bool:
        return other < self

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Exact) and not (self < other or other < self)

    def __repr__(self) -> str:
        return f"Exact({shown(self)!r})"


def minus(total: Number, usage: Number) -> float:
    """``total - usage`` computed in decimal: 0.3 - 0.1 is 0.2, not 0.19999999999999998.
    (The client reads both as floats, a JSON ``1`` as ``1.0``.)"""
    a, b = Exact(total), Exact(usage)
    places = max(a.places, b.places)
    return float(f"{a.scaled(places) - b.scaled(places)}e-{places}")


def shown(value: Number | Exact, places: int | None = None, *, grouping: bool = False) -> str:
    """``value`` as both commands print numbers: plain decimal notation (``0.00001``, never
    ``1e-05``), rounded half to even to ``places`` decimals, or with every digit and no
    trailing zeros (``None``); thousands separated by commas with ``grouping``. A value
    that rounds to zero has no sign (never ``-0.00``)."""
    exact = value if isinstance(value, Exact) else Exact(value)
    units, scale = abs(exact.coefficient), exact.places
    if places is not None and places >= scale:
        units, scale = units * 10 ** (places - scale), places
    elif places is not None:
        units, rest = divmod(units, 10 ** (scale - places))
        half = 5 * 10 ** (scale - places - 1)
        units, scale = units + (rest > half or (rest == half and units % 2 == 1)), places
    whole, fraction = divmod(units, 10**scale)
    decimals = f"{fraction:0{scale}d}" if scale else ""
    if places is None:
        decimals = decimals.rstrip("0")
    text = (f"{whole:,}" if grouping else str(whole)) + (f".{decimals}" if decimals else "")
    return f"-{text}" if exact.coefficient < 0 and units else text


def one_line(text: str) -> str:
    """``text`` on one line, with control characters (terminal escapes) made visible."""
    flat = " ".join(text.splitlines())
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in flat)
