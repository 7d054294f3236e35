"""The ``openrouter-credits`` command: total credits, usage and what remains.

``openrouter-credits`` (or ``python -m openrouter_credits``) calls ``GET /credits`` once (with
the client's retries) and prints a small table, or one JSON object with ``--json``. The exit
status tells the outcome, so cron jobs and monitoring can act on it (see ``EXIT_STATUSES``
and ``--help``). Failures are one line on standard error, never a traceback, and the API
key never appears in any output.

The key comes from ``OPENROUTER_API_KEY`` or from a file (``--api-key-file``), never from
an argument: process lists show arguments to every user of the machine.

``--prometheus [--output FILE]`` prints or writes the figures as Prometheus metrics
(:mod:`._prometheus`, imported only when an option needs it, as a run without them is
the common one); ``--deadline`` bounds the whole run (:mod:`._deadline`). The
monitoring plugin ``check_openrouter_credits`` (:mod:`._plugin`) reuses this module's key
reading and messages.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
import time
from collections.abc import Iterator, Sequence
from typing import IO, TYPE_CHECKING, Final, NoReturn

from .._constants import API_KEY_ENV, DEFAULT_TIMEOUT_MS
from .._redact import redact
from .._version import __version__
from ..client import OpenRouter
from ..retries import DEFAULT_RETRY_CONFIG, NO_RETRIES
from . import _common as common
from ._common import EXIT_STATUSES
from ._deadline import fit

if TYPE_CHECKING:
    from . import _prometheus

__all__ = ["EXIT_STATUSES", "main"]

PROG: Final = "openrouter-credits"

#: Failures after which ``--prometheus`` publishes nothing: nothing was read (a bad
#: option), or the metrics could not be written.
_NOT_PUBLISHED: Final = frozenset({common.ExitStatus.USAGE, common.ExitStatus.CANNOT_WRITE})

#: Decimals shown in the table (the JSON output has the numbers as the server sent them).
DECIMALS: Final = 4


class _Parser(argparse.ArgumentParser):
    """Usage errors are one line and exit 64 (argparse's 2 is taken by --min-remaining);
    unrecognized argument values are not echoed: one may be a key typed by mistake."""

    def error(self, message: str) -> NoReturn:
        if message.startswith("unrecognized arguments:"):
            message = common.unrecognized(message.removeprefix("unrecognized arguments:").split())
        self.exit(
            common.ExitStatus.USAGE,
            f"{self.prog}: error: {common.one_line(message)} (see --help)\n",
        )


class _PrintRules(argparse.Action):
    """``--prometheus-rules``: print the shipped rules and exit 0 (as ``--version`` does)."""

    def __init__(self, option_strings: Sequence[str], dest: str, help: str) -> None:
        super().__init__(option_strings, dest, nargs=0, help=help)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[object] | None,
        option_string: str | None = None,
    ) -> None:
        from ._prometheus import rules

        sys.stdout.write(rules())
        parser.exit()


def _build_parser() -> _Parser:
    statuses = "\n".join(f"  {code:>3}  {text}" for code, text in EXIT_STATUSES.items())
    parser = _Parser(
        prog=PROG,
        allow_abbrev=False,  # --api-key must never be read as an abbreviation
        formatter_class=common.HelpFormatter,
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
        type=common.amount,
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
        "--prometheus-rules",
        action=_PrintRules,
        help="print Prometheus rules for those metrics (burn rate, days left, low, stale) and exit",
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
    common.add_key_and_server(conn)
    conn.add_argument(
        "--timeout",
        type=common.positive_seconds,
        metavar="SECONDS",
        help=f"per-attempt timeout in seconds (default: {DEFAULT_TIMEOUT_MS / 1000:g})",
    )
    conn.add_argument(
        "--deadline",
        type=common.positive_seconds,
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
    common.imports_done(argv)
    started = time.monotonic()
    key: str | None = None
    try:
        try:
            args = _parse(argv)
        except SystemExit as stop:  # --help, --version, usage errors
            return _code(stop)
        with _output_file(args.output) as output:
            try:
                key = common.read_key(
                    args.api_key_file, args.strict_key_file, lambda line: _say(line, None)
                )
                with _client_log(args.verbose):
                    return _run(args, key, output, started)
            except common.Exit as stop:
                # A failed read still publishes its gauge; a failed write is not tried again.
                if args.prometheus and stop.status not in _NOT_PUBLISHED:
                    _publish_failure(output, stop)
                raise
    except common.Exit as stop:
        _say(stop.message, key)
        return stop.status
    except KeyboardInterrupt:
        return common.ExitStatus.INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()
        return common.ExitStatus.OK
    except Exception as exc:  # the promise: one line, never a traceback
        _say(f"internal error: {type(exc).__name__}: {exc}", key)
        return common.ExitStatus.INTERNAL


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = _build_parser()
    args = parser.parse_args(argv)
    if args.output is not None and not args.prometheus:
        parser.error("--output needs --prometheus")
    if args.prometheus and args.json:
        parser.error("--prometheus and --json cannot be combined")
    return args


def _code(stop: SystemExit) -> int:
    """argparse's status: 0 after --help or --version, USAGE (our `_Parser`) otherwise."""
    assert isinstance(stop.code, int), stop.code
    return stop.code


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
        raise common.Exit(common.ExitStatus.USAGE, f"error: {message}") from None
    data = common.read(client, args.deadline, started).data
    total, usage = data.total_credits, data.total_usage
    remaining = common.minus(total, usage)
    if args.prometheus:
        from . import _prometheus

        figures = _prometheus.Figures(total, usage, remaining, time.time())
        _publish(output, _prometheus.exposition(figures))
    elif args.json:
        line = json.dumps({"total_credits": total, "total_usage": usage, "remaining": remaining})
        _write(sys.stdout, line + "\n")
    else:
        _write(sys.stdout, _table(total, usage, remaining))
    if total == 0 and usage == 0:
        _say(f"note: {common.ZERO_HINT}", key)
    minimum: common.Exact | None = args.min_remaining
    if minimum is not None and common.Exact(remaining) < minimum:
        _say(
            f"remaining credits {_money(remaining)} are below --min-remaining {_money(minimum)}",
            key,
        )
        return common.ExitStatus.BELOW_MINIMUM
    return common.ExitStatus.OK


# --- numbers -------------------------------------------------------------------------


def _money(value: common.Number | common.Exact) -> str:
    """``1,234.5000``."""
    return common.shown(value, DECIMALS, grouping=True)


def _table(total: common.Number, usage: common.Number, remaining: common.Number) -> str:
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
    from ._prometheus import AtomicFile

    file = AtomicFile(path)
    try:
        file.open()
    except OSError as exc:
        raise common.Exit(common.ExitStatus.CANNOT_WRITE, _cannot_write(path, exc)) from None
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
        raise common.Exit(common.ExitStatus.CANNOT_WRITE, _cannot_write(output.path, exc)) from None


def _publish_failure(output: _prometheus.AtomicFile | None, failure: common.Exit) -> None:
    """After a failed read: the success gauge at 0, the last success time carried over."""
    from . import _prometheus

    previous = None if output is None else _prometheus.last_success(output.path)
    try:
        _publish(output, _prometheus.exposition(None, previous))
    except common.Exit as stop:
        raise common.Exit(stop.status, f"{failure.message}; and {stop.message}") from None


def _say(message: str, key: str | None) -> None:
    """One line on standard error, the key blanked out (in case any text quoted it)."""
    message = redact(message, key)
    with contextlib.suppress(OSError):
        sys.stderr.write(f"{PROG}: {common.one_line(message)}\n")
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


class _LogLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return f"{PROG}: {common.one_line(record.getMessage())}"


def _client_log(verbose: bool) -> contextlib.AbstractContextManager[None]:
    """The client's warnings (a category sent as given, plain ``http://``), and with
    ``verbose`` its retry log (INFO), on stderr as this command's lines."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_LogLines())
    handler.setLevel(logging.INFO if verbose else logging.WARNING)
    return common.client_log(handler)
