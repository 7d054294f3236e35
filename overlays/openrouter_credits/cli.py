"""The ``openrouter-credits`` command: total credits, usage and what remains.

``openrouter-credits`` (or ``python -m openrouter_credits``) calls ``GET /credits`` once (with
the client's retries) and prints a small table, or one JSON object with ``--json``. The exit
status tells the outcome, so cron jobs and monitoring can act on it (see ``EXIT_STATUSES``
and ``--help``). Failures are one line on standard error, never a traceback, and the API
key never appears in any output.

The key comes from ``OPENROUTER_API_KEY`` or from a file (``--api-key-file``), never from
an argument: process lists show arguments to every user of the machine.

``--prometheus [--output FILE]`` prints or writes the figures as Prometheus metrics
(:mod:`._prometheus`); ``--deadline`` bounds the whole run (:mod:`._deadline`). The
monitoring plugin ``check_openrouter_credits`` (:mod:`._plugin`) reuses this module's key
reading and messages.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import math
import os
import sys
import time
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import IO, Final, NoReturn

from . import _prometheus, errors
from ._constants import (
    API_KEY_ENV,
    BODY_EXCERPT_CHARS,
    DEFAULT_SERVER_URL,
    DEFAULT_TIMEOUT_MS,
    LOGGER_NAME,
)
from ._deadline import fit, read_credits
from ._generated.models import GetCreditsResponse
from ._headers import check_header
from ._version import __version__
from .client import OpenRouter
from .retries import DEFAULT_RETRY_CONFIG, NO_RETRIES

__all__ = ["EXIT_STATUSES", "main"]

PROG: Final = "openrouter-credits"

EXIT_OK: Final = 0
EXIT_INTERNAL: Final = 1
EXIT_BELOW_MINIMUM: Final = 2
EXIT_KEY: Final = 3
EXIT_FORBIDDEN: Final = 4
EXIT_SERVER: Final = 5
EXIT_NETWORK: Final = 6
EXIT_INVALID_RESPONSE: Final = 7
EXIT_USAGE: Final = 64
EXIT_CANNOT_WRITE: Final = 73
EXIT_INTERRUPTED: Final = 130

#: Every exit status and what it means (the ``--help`` epilog and the README list these).
EXIT_STATUSES: Final[dict[int, str]] = {
    EXIT_OK: "success: the credits were printed",
    EXIT_INTERNAL: "unexpected internal error (a bug: please report it)",
    EXIT_BELOW_MINIMUM: "success, but remaining credits are below --min-remaining",
    EXIT_KEY: "no API key, an unreadable key file, or the key was rejected (HTTP 401)",
    EXIT_FORBIDDEN: "the key may not read credits: not a management key (HTTP 403)",
    EXIT_SERVER: "server error or another unexpected HTTP status (5XX, 429, 404, ...)",
    EXIT_NETWORK: "network failure or timeout: no response after the retries",
    EXIT_INVALID_RESPONSE: "the response body is not the documented credits JSON",
    EXIT_USAGE: "usage error: a bad option or option value",
    EXIT_CANNOT_WRITE: "cannot write the --output file (nothing was changed)",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C)",
}

#: Decimals shown in the table (the JSON output has the numbers as the server sent them).
DECIMALS: Final = 4

_MANAGEMENT_KEYS_URL: Final = "https://openrouter.ai/docs/guides/overview/auth/management-api-keys"
#: Said when total credits and usage are both 0 (printed, the run still succeeds).
ZERO_HINT: Final = (
    "total credits and total usage are both 0: some deployments see this with a key that "
    f"is not a management key; check the key if credits were bought ({_MANAGEMENT_KEYS_URL})"
)


class _Exit(Exception):
    """Stop with ``status`` after printing ``message`` (one line) on standard error."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class _Parser(argparse.ArgumentParser):
    """Usage errors are one line and exit 64 (argparse's 2 is taken by --min-remaining);
    unrecognized argument values are not echoed: one may be a key typed by mistake."""

    def error(self, message: str) -> NoReturn:
        if message.startswith("unrecognized arguments:"):
            message = _unrecognized(message.removeprefix("unrecognized arguments:").split())
        self.exit(EXIT_USAGE, f"{self.prog}: error: {_one_line(message)} (see --help)\n")


def _unrecognized(words: list[str]) -> str:
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


class _RejectKeyArgument(argparse.Action):
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


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text!r}")
    return value


def _amount(text: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except ArithmeticError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value.is_finite():
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
    return value


def _build_parser() -> _Parser:
    statuses = "\n".join(f"  {code:>3}  {text}" for code, text in EXIT_STATUSES.items())
    parser = _Parser(
        prog=PROG,
        allow_abbrev=False,  # --api-key must never be read as an abbreviation
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "Show an OpenRouter account's total credits, total usage and remaining credits\n"
            "(total minus usage), from GET /credits. Needs a management key: "
            f"{API_KEY_ENV}\nor --api-key-file (never an argument: process lists show those)."
        ),
        epilog=(
            f"exit statuses:\n{statuses}\n\n"
            "examples:\n"
            f"  {API_KEY_ENV}=sk-or-v1-... {PROG}\n"
            f"  {PROG} --api-key-file ~/.config/openrouter/key --json\n"
            f"  {PROG} --api-key-file - --min-remaining 5 < key.txt; [ $? = 2 ] && alert ...\n"
            f"  {PROG} --prometheus --output /var/lib/node-exporter/openrouter.prom\n"
        ),
    )
    parser.add_argument(
        "--version", action="version", version=f"{PROG} {__version__}", help="show the version"
    )
    out = parser.add_argument_group("output")
    out.add_argument(
        "--json",
        action="store_true",
        help='print one JSON object: {"total_credits", "total_usage", "remaining"}',
    )
    out.add_argument(
        "--min-remaining",
        type=_amount,
        metavar="AMOUNT",
        help="exit with status 2 when remaining credits are below AMOUNT (still printed)",
    )
    out.add_argument(
        "--prometheus",
        action="store_true",
        help="print Prometheus metrics (text format) instead of the table; after a failed "
        "read, only the success gauge (0) and the time of the last success",
    )
    out.add_argument(
        "--output",
        metavar="FILE",
        help="with --prometheus: replace FILE atomically (a temporary file in its directory, "
        "then a rename), e.g. for node_exporter's textfile collector",
    )
    out.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="report each retry on standard error as it happens (reason, attempt, wait)",
    )
    conn = parser.add_argument_group("connection")
    conn.add_argument(
        "--api-key-file",
        metavar="PATH",
        help=f"read the key from PATH ('-': standard input) instead of {API_KEY_ENV}",
    )
    conn.add_argument("--api-key", nargs="?", action=_RejectKeyArgument, help=argparse.SUPPRESS)
    conn.add_argument(
        "--server-url",
        metavar="URL",
        default=DEFAULT_SERVER_URL,
        help="API base URL (default: %(default)s)",
    )
    conn.add_argument(
        "--timeout",
        type=_positive_seconds,
        metavar="SECONDS",
        help=f"per-attempt timeout in seconds (default: {DEFAULT_TIMEOUT_MS / 1000:g})",
    )
    conn.add_argument(
        "--deadline",
        type=_positive_seconds,
        metavar="SECONDS",
        help="end the whole run, retries included, within SECONDS (status 6 when it passes; "
        "default: no deadline, only the per-attempt timeout and the retries)",
    )
    conn.add_argument(
        "--no-retries",
        action="store_true",
        help="send one attempt only (default: up to 3 attempts with backoff on 408, 429, "
        "5XX and connection errors)",
    )
    attribution = parser.add_argument_group("attribution headers (optional)")
    attribution.add_argument("--http-referer", metavar="URL", help="HTTP-Referer: your app's URL")
    attribution.add_argument("--title", metavar="TEXT", help="X-OpenRouter-Title: your app's name")
    attribution.add_argument(
        "--categories",
        metavar="LIST",
        help="X-OpenRouter-Categories: comma-separated, e.g. cli-agent (OpenRouter reads 2)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    started = time.monotonic()
    key: str | None = None
    try:
        try:
            args = _parse(argv)
        except SystemExit as stop:  # --help, --version, usage errors
            return _code(stop)
        with _output_file(args.output) as output:
            try:
                key = _read_key(args.api_key_file)
                with _verbose(args.verbose):
                    return _run(args, key, output, started)
            except _Exit as stop:
                if args.prometheus and stop.status != EXIT_USAGE:
                    _publish_failure(output, stop)
                raise
    except _Exit as stop:
        _say(stop.message, key)
        return stop.status
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_OK
    except Exception as exc:  # the promise: one line, never a traceback
        _say(f"internal error: {type(exc).__name__}: {exc}", key)
        return EXIT_INTERNAL


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = _build_parser()
    args = parser.parse_args(argv)
    if args.output is not None and not args.prometheus:
        parser.error("--output needs --prometheus")
    if args.prometheus and args.json:
        parser.error("--prometheus and --json cannot be combined")
    return args


def _code(stop: SystemExit) -> int:
    if stop.code is None:
        return EXIT_OK
    return stop.code if isinstance(stop.code, int) else EXIT_USAGE


def _read_key(path: str | None) -> str:
    """The key from ``path`` (``-``: standard input) or the environment; checked, not shown."""
    if path is None:
        key = os.environ.get(API_KEY_ENV, "").strip()
        if not key:
            raise _Exit(
                EXIT_KEY,
                f"no API key: set {API_KEY_ENV} or use --api-key-file PATH (a management key)",
            )
        where = API_KEY_ENV
    else:
        where = "standard input" if path == "-" else f"key file {path}"
        try:
            if path == "-":
                text = sys.stdin.read()
            else:
                with open(path, encoding="utf-8") as file:
                    text = file.read()
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise _Exit(EXIT_KEY, f"cannot read the API key from {where}: {reason}") from None
        key = text.strip()
        if not key:
            raise _Exit(EXIT_KEY, f"no API key: {where} is empty")
    try:
        check_header("Authorization", key)
    except ValueError:
        raise _Exit(
            EXIT_KEY, f"the API key from {where} contains characters HTTP does not allow"
        ) from None
    return key


def _run(
    args: argparse.Namespace, key: str, output: _prometheus.AtomicFile | None, started: float
) -> int:
    timeout_ms, retry = fit(
        args.deadline, args.timeout, NO_RETRIES if args.no_retries else DEFAULT_RETRY_CONFIG
    )
    try:
        client = OpenRouter(
            api_key=key,
            http_referer=args.http_referer,
            x_open_router_title=args.title,
            x_open_router_categories=args.categories,
            server_url=args.server_url,
            retry_config=retry,
            timeout_ms=timeout_ms,
        )
    except ValueError as exc:  # a bad header value, category, URL or timeout
        message = str(exc).replace("server_url ", "--server-url ", 1)
        raise _Exit(EXIT_USAGE, f"error: {message}") from None
    data = _read(client, args.deadline, started).data
    total, usage = data.total_credits, data.total_usage
    remaining = _minus(total, usage)
    if args.prometheus:
        figures = _prometheus.Figures(total, usage, remaining, time.time())
        _publish(output, _prometheus.exposition(figures))
    elif args.json:
        line = json.dumps({"total_credits": total, "total_usage": usage, "remaining": remaining})
        _write(sys.stdout, line + "\n")
    else:
        _write(sys.stdout, _table(total, usage, remaining))
    if total == 0 and usage == 0:
        _say(f"note: {ZERO_HINT}", key)
    minimum: Decimal | None = args.min_remaining
    if minimum is not None and _decimal(remaining) < minimum:
        _say(
            f"remaining credits {_money(remaining)} are below --min-remaining {_money(minimum)}",
            key,
        )
        return EXIT_BELOW_MINIMUM
    return EXIT_OK


def _read(client: OpenRouter, deadline: float | None, started: float) -> GetCreditsResponse:
    """One read of the credits (closing ``client``), within what is left of ``deadline``
    seconds since ``started``; a failure is raised as its `_Exit`."""
    try:
        return read_credits(client, deadline, started)
    except errors.OpenRouterBaseError as exc:
        raise _Exit(*_failure(exc)) from None


def _failure(exc: errors.OpenRouterBaseError) -> tuple[int, str]:
    """The exit status and the one-line message for an error from the client."""
    if isinstance(exc, errors.MissingAPIKeyError):
        return EXIT_KEY, f"no API key: set {API_KEY_ENV} or use --api-key-file PATH"
    if isinstance(exc, errors.UnauthorizedResponseError):
        detail = exc.data.error.message if exc.data is not None else _excerpt(exc)
        return EXIT_KEY, (
            f"the API key was rejected (HTTP 401: {detail}); check {API_KEY_ENV} or --api-key-file"
        )
    if isinstance(exc, errors.ForbiddenResponseError):
        detail = exc.data.error.message if exc.data is not None else _excerpt(exc)
        return EXIT_FORBIDDEN, (
            f"the API key may not read credits (HTTP 403: {detail}); GET /credits needs "
            f"a management key: {_MANAGEMENT_KEYS_URL}"
        )
    if isinstance(exc, errors.ResponseValidationError):
        return EXIT_INVALID_RESPONSE, f"invalid response: {exc}"
    if isinstance(exc, errors.OpenRouterError):
        return EXIT_SERVER, f"server error: {exc}"
    if isinstance(exc, errors.APITimeoutError):
        return EXIT_NETWORK, f"timeout: {exc}"
    if isinstance(exc, errors.NoResponseError):
        return EXIT_NETWORK, f"network error: {exc}"
    return EXIT_INTERNAL, f"internal error: {type(exc).__name__}: {exc}"


def _excerpt(exc: errors.OpenRouterError) -> str:
    """A short excerpt of an undocumented error body (the client already redacted it)."""
    text = " ".join(exc.body.split())
    limit = BODY_EXCERPT_CHARS
    return repr(text[:limit] + ("…" if len(text) > limit else "")) if text else "empty body"


# --- numbers -------------------------------------------------------------------------

Number = int | float


def _decimal(value: Number | Decimal) -> Decimal:
    # repr() is the shortest text that reads back as the same float: 0.1, not 0.1000000000000000055
    return value if isinstance(value, Decimal) else Decimal(repr(value))


def _minus(total: Number, usage: Number) -> Number:
    """``total - usage`` computed in decimal: 0.3 - 0.1 is 0.2, not 0.19999999999999998."""
    if isinstance(total, int) and isinstance(usage, int):
        return total - usage
    return float(_decimal(total) - _decimal(usage))


def _money(value: Number | Decimal) -> str:
    """``1,234.5000``; a value that rounds to zero never shows as ``-0.0000``."""
    text = f"{_decimal(value):,.{DECIMALS}f}"
    return text.removeprefix("-") if set(text) <= set("-0.,") else text


def _table(total: Number, usage: Number, remaining: Number) -> str:
    rows = [("total credits", total), ("total usage", usage), ("remaining", remaining)]
    cells = [(label, _money(value)) for label, value in rows]
    width = max(len(text) for _, text in cells)
    return "".join(f"{label:<15}{text:>{width}}\n" for label, text in cells)


# --- output --------------------------------------------------------------------------


@contextlib.contextmanager
def _output_file(path: str | None) -> Iterator[_prometheus.AtomicFile | None]:
    """``--output``'s temporary file, made before anything is read (a missing or read-only
    directory fails first) and removed unless renamed into place."""
    if path is None:
        yield None
        return
    file = _prometheus.AtomicFile(path)
    try:
        file.open()
    except OSError as exc:
        raise _Exit(EXIT_CANNOT_WRITE, _cannot_write(path, exc)) from None
    try:
        yield file
    finally:
        file.discard()


def _cannot_write(path: str, exc: OSError) -> str:
    reason = exc.strerror or str(exc)
    where = os.path.dirname(os.path.abspath(path))
    if isinstance(exc, IsADirectoryError):
        return f"cannot write --output {path}: it is a directory"
    return f"cannot write --output {path}: cannot create a file in {where}: {reason}"


def _publish(output: _prometheus.AtomicFile | None, text: str) -> None:
    """The metrics to ``output`` (atomically), or to standard output."""
    if output is None:
        _write(sys.stdout, text)
        return
    try:
        output.commit(text)
    except OSError as exc:
        raise _Exit(EXIT_CANNOT_WRITE, _cannot_write(output.path, exc)) from None


def _publish_failure(output: _prometheus.AtomicFile | None, failure: _Exit) -> None:
    """After a failed read: the success gauge at 0, the last success time carried over."""
    previous = None if output is None else _prometheus.last_success(output.path)
    try:
        _publish(output, _prometheus.exposition(None, previous))
    except _Exit as stop:
        raise _Exit(stop.status, f"{failure.message}; and {stop.message}") from None


def _redact(message: str, key: str | None) -> str:
    """``message`` with ``key`` blanked out (in case any text quoted it)."""
    return message.replace(key, "[redacted]") if key else message


def _one_line(text: str) -> str:
    """``text`` on one line, with control characters (terminal escapes) made visible."""
    flat = " ".join(text.splitlines())
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in flat)


def _say(message: str, key: str | None) -> None:
    """One line on standard error, the key blanked out (in case any text quoted it)."""
    message = _redact(message, key)
    with contextlib.suppress(OSError):
        sys.stderr.write(f"{PROG}: {_one_line(message)}\n")
        sys.stderr.flush()


def _write(stream: IO[str], text: str) -> None:
    stream.write(text)
    stream.flush()


def _silence_stdout() -> None:
    """After a closed pipe on standard output, keep the interpreter's exit flush quiet."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


class _RetryLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return f"{PROG}: {_one_line(record.getMessage())}"


@contextlib.contextmanager
def _verbose(on: bool) -> Iterator[None]:
    """With ``on``, the client's retry log (INFO, logger openrouter_credits) on stderr."""
    if not on:
        yield
        return
    logger = logging.getLogger(LOGGER_NAME)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_RetryLines())
    handler.setLevel(logging.INFO)
    level = logger.level
    logger.addHandler(handler)
    if logger.getEffectiveLevel() > logging.INFO:
        logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
