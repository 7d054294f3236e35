"""The ``check_openrouter_credits`` monitoring plugin (Nagios, Icinga, Naemon, Sensu, Checkmk).

It follows the Monitoring Plugins Development Guidelines
(https://www.monitoring-plugins.org/doc/guidelines.html): one line on standard output,
``CREDITS STATE - text | perfdata``, and the exit status 0 OK, 1 WARNING, 2 CRITICAL or
3 UNKNOWN (every failure: usage, key, HTTP, network, body, the ``-t`` deadline, the state
file). The thresholds are ranges (:mod:`._thresholds`) tested against the remaining
credits; with ``--state-file``, ``--warning-days`` and ``--critical-days`` test the days
left at the burn rate (:mod:`._forecast`, readings kept by :mod:`._state`; both load only
with ``--state-file``). Key
reading, failure messages and arithmetic are the ``openrouter-credits`` command's
(:mod:`.cli`); the deadline is :mod:`._deadline`'s. The README's Monitoring section shows
the output and the Icinga 2 and Nagios definitions.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NoReturn

from .._constants import API_KEY_ENV
from .._redact import redact
from .._version import __version__
from ..client import OpenRouter
from ..retries import DEFAULT_RETRY_CONFIG
from . import _common as common
from ._deadline import fit
from ._thresholds import Range, parse_range

if TYPE_CHECKING:
    from ._forecast import Forecast

__all__ = ["DEFAULT_DEADLINE", "PROG", "STATES", "main"]

PROG = "check_openrouter_credits"
SERVICE = "CREDITS"
OK, WARNING, CRITICAL, UNKNOWN = 0, 1, 2, 3
STATES = {OK: "OK", WARNING: "WARNING", CRITICAL: "CRITICAL", UNKNOWN: "UNKNOWN"}
#: The default ``-t``: the guidelines' 10 s, well under the usual 60 s plugin timeout.
DEFAULT_DEADLINE = 10.0
#: The default ``--window``: the readings of the last day give the burn rate.
DEFAULT_WINDOW = "24h"
#: How long a run waits for another one's lock on the state file (it is held briefly).
STATE_LOCK_WAIT = 5.0


class _Usage(Exception):
    """A bad command line: reported as UNKNOWN."""


class _Parser(argparse.ArgumentParser):
    """Usage errors become UNKNOWN lines; --help and --version exit 3 (nothing checked)."""

    def error(self, message: str) -> NoReturn:
        if message.startswith("unrecognized arguments:"):
            words = message.removeprefix("unrecognized arguments:").split()
            message = common.unrecognized(words)
        raise _Usage(message)

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        # argparse passes a message only from error(), which raises _Usage instead.
        raise SystemExit(UNKNOWN)


def _range(text: str) -> Range:
    try:
        return parse_range(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _window(text: str) -> str:
    common.duration(text)  # checked here, converted where used
    return text


def _build_parser() -> _Parser:
    parser = _Parser(
        prog=PROG,
        allow_abbrev=False,
        formatter_class=common.HelpFormatter,
        description=(
            "Monitoring plugin: check an OpenRouter account's remaining credits (total credits\n"
            f"minus usage, GET /credits). Key: {API_KEY_ENV} or --api-key-file (a "
            "management key)."
        ),
        epilog=(
            "thresholds (Monitoring Plugins ranges): N: alerts below N, ~:N above N,\n"
            "N:M outside N..M, @N:M inside N..M, N outside 0..N.\n\n"
            "days left (--state-file): each run keeps its reading; the burn rate is the growth\n"
            "of total usage over --window (a top-up is not use); days left = remaining / rate.\n"
            "Fewer than two readings, or no use: OK with a note. Nothing left: CRITICAL.\n\n"
            "exit statuses: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (any failure, --help).\n\n"
            "example:\n"
            f"  {PROG} -w 10: -c 5: --api-key-file /etc/openrouter/key\n"
            f"  {SERVICE} OK - 74.75 remaining of 100.50 | remaining=74.75;10:;5: "
            "total_credits=100.5 total_usage=25.75\n"
        ),
    )
    parser.add_argument(
        "-V", "--version", action="version", version=f"{PROG} {__version__}", help="version"
    )
    parser.add_argument(
        "-w",
        "--warning",
        type=_range,
        metavar="RANGE",
        help="WARNING when remaining credits are in alert for RANGE (e.g. 10: below 10)",
    )
    parser.add_argument(
        "-c",
        "--critical",
        type=_range,
        metavar="RANGE",
        help="CRITICAL when remaining credits are in alert for RANGE (e.g. 5: below 5)",
    )
    parser.add_argument(
        "-t",
        "--timeout",
        type=common.positive_seconds,
        default=DEFAULT_DEADLINE,
        metavar="SECONDS",
        help="UNKNOWN when there is no answer within SECONDS, retries included "
        "(default: %(default)g)",
    )
    parser.add_argument(
        "--state-file",
        metavar="PATH",
        help="keep readings in PATH (created; this plugin's own file) to forecast the days left",
    )
    parser.add_argument(
        "--window",
        type=_window,
        default=DEFAULT_WINDOW,
        metavar="DURATION",
        help=f"the burn rate is the usage growth over DURATION: N followed by s, m, h or d "
        f"(default: {DEFAULT_WINDOW})",
    )
    parser.add_argument(
        "--warning-days",
        type=common.positive_number,
        metavar="N",
        help="WARNING when fewer than N days of credits are left at the burn rate",
    )
    parser.add_argument(
        "--critical-days",
        type=common.positive_number,
        metavar="N",
        help="CRITICAL when fewer than N days are left (or nothing is left at all)",
    )
    common.add_key_and_server(parser)
    return parser


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = _build_parser()
    args = parser.parse_args(argv)
    days = (args.warning_days, args.critical_days)
    if args.warning is None and args.critical is None and days == (None, None):
        parser.error(
            "no threshold: give -w/-c for the remaining credits, --warning-days/--critical-days "
            "for the days left, or both"
        )
    warning = args.warning.below if args.warning else None
    critical = args.critical.below if args.critical else None
    if warning is not None and critical is not None and warning < critical:
        parser.error(
            f"the warning threshold {args.warning.text} is below the critical threshold "
            f"{args.critical.text}: WARNING must come first, e.g. -w 10: -c 5:"
        )
    if None not in days and days[0] < days[1]:
        parser.error(
            f"--warning-days {days[0]:g} is below --critical-days {days[1]:g}: WARNING must "
            "come first, e.g. --warning-days 7 --critical-days 3"
        )
    if days != (None, None) and args.state_file is None:
        parser.error("--warning-days and --critical-days need --state-file PATH (the readings)")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the check with ``argv`` (default: ``sys.argv[1:]``); print the status line (and
    any warnings as long output) and return the state (0-3)."""
    common.imports_done(argv)
    return check(argv, clock=time.time)


def check(argv: Sequence[str] | None, *, clock: Callable[[], float]) -> int:
    """`main` with the clock that gives the Unix time of a reading (tests inject one)."""
    started = time.monotonic()
    key: str | None = None
    notes = _Notes()
    try:
        try:
            args = _parse(argv)
        except _Usage as exc:
            return _report(UNKNOWN, f"usage error: {exc} (see --help)")
        except SystemExit:  # --help, --version
            return UNKNOWN
        key = common.read_key(args.api_key_file, args.strict_key_file, notes.lines.append)
        # Half the deadline per attempt: a hung first attempt leaves time for a retry.
        timeout_ms, retry = fit(args.timeout, args.timeout / 2, DEFAULT_RETRY_CONFIG)
        with common.client_log(notes):
            try:
                client = OpenRouter(
                    api_key=key,
                    server_url=args.server_url,
                    retry_config=retry,
                    timeout_ms=timeout_ms,
                )
            except ValueError as exc:
                message = str(exc).replace("server_url ", "--server-url ", 1)
                return _report(UNKNOWN, f"usage error: {message}")
            data = common.read(client, args.timeout, started).data
        outlook = None
        if args.state_file is not None:
            reading = (clock(), data.total_usage, data.total_credits)
            outlook = _record(args.state_file, reading, common.duration(args.window))
    except common.Exit as stop:
        return _report(UNKNOWN, stop.message, key=key, notes=notes.lines)
    except KeyboardInterrupt:
        return _report(UNKNOWN, "interrupted", notes=notes.lines)
    except Exception as exc:  # the promise: a status line, never a traceback
        return _report(
            UNKNOWN, f"internal error: {type(exc).__name__}: {exc}", key=key, notes=notes.lines
        )
    state, text, perfdata = _assess(data.total_credits, data.total_usage, args)
    if outlook is not None:
        days_state, days_text, days_perfdata = _assess_days(outlook, args)
        perfdata += " " + days_perfdata
        # The rule that decides the state is named first.
        # (Joined by a comma: Nagios shows a semicolon in plugin output as a colon.)
        text = f"{days_text}, {text}" if days_state > state else f"{text}, {days_text}"
        state = max(state, days_state)
    return _report(state, text, perfdata, notes=notes.lines)


class _Notes(logging.Handler):
    """The warnings of a run (the key file's, the client's log records), for the long
    output."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def _record(path: str, reading: tuple[float, float, float], window: float) -> Forecast:
    """Add ``reading`` (time, usage, credits) to the state file, under its lock; the
    forecast from what it keeps. A state file that cannot be used is an `common.Exit`."""
    from ._forecast import Reading, forecast, keep
    from ._state import StateError, load, locked, save

    try:
        with locked(path, STATE_LOCK_WAIT):
            readings = keep(load(path), Reading(*reading), window)
            save(path, readings)
    except StateError as exc:
        raise common.Exit(UNKNOWN, str(exc)) from None
    return forecast(readings)


def _assess(
    total: common.Number, usage: common.Number, args: argparse.Namespace
) -> tuple[int, str, str]:
    """The balance rule: the state, the text and the perfdata."""
    warning, critical = args.warning, args.critical
    remaining = common.minus(total, usage)
    value = common.Exact(remaining)
    state = OK
    if critical is not None and critical.alerts(value):
        state = CRITICAL
    elif warning is not None and warning.alerts(value):
        state = WARNING
    text = f"{common.shown(remaining, 2)} remaining of {common.shown(total, 2)}"
    if total == 0 and usage == 0:
        state = max(state, WARNING)
        text += f"; {common.ZERO_HINT}"
    perfdata = (
        f"remaining={common.shown(remaining)};{warning.text if warning else ''};"
        f"{critical.text if critical else ''} "
        f"total_credits={common.shown(total)} total_usage={common.shown(usage)}"
    )
    return state, text, perfdata


def _assess_days(outlook: Forecast, args: argparse.Namespace) -> tuple[int, str, str]:
    """The days-left rule: the state, the text and the perfdata (``burn_rate`` in credits
    per day and ``days_left`` in days, both without a UOM, ``U`` when undetermined)."""
    window = args.window
    warning, critical = args.warning_days, args.critical_days
    rate, days = outlook.rate, outlook.days_left
    state = OK
    if days == 0:
        text = "no credits left"
        if (warning, critical) != (None, None):
            state = CRITICAL
    elif rate is None:
        text = f"no days-left forecast yet (1 reading in the last {window}, 2 needed)"
    elif days is None:
        text = f"no use in the last {window}: no days-left forecast"
    else:
        text = f"at {rate:.2f} credits/day, {days:.1f} days left"
        if critical is not None and days < critical:
            state, text = CRITICAL, f"{text} (below --critical-days {critical:g})"
        elif warning is not None and days < warning:
            state, text = WARNING, f"{text} (below --warning-days {warning:g})"
    thresholds = ";".join(f"{n:g}:" if n is not None else "" for n in (warning, critical))
    perfdata = f"burn_rate={_perf(rate)};;;0 days_left={_perf(days)};{thresholds};0"
    return state, text, perfdata


def _perf(value: float | None) -> str:
    """A perfdata value to four decimals; ``U`` (undetermined) for ``None``."""
    return "U" if value is None else common.shown(round(value, 4))


def _report(
    state: int, text: str, perfdata: str = "", key: str | None = None, notes: Sequence[str] = ()
) -> int:
    """Print the status line, then ``notes`` as the long output, one line each (the key
    blanked out, no ``|`` but the perfdata's)."""
    text, *more = (common.one_line(redact(t, key)).replace("|", "/") for t in (text, *notes))
    line = f"{SERVICE} {STATES[state]} - {text}" + (f" | {perfdata}" if perfdata else "")
    with contextlib.suppress(OSError):
        sys.stdout.write("".join(f"{out}\n" for out in (line, *more)))
        sys.stdout.flush()
    return state
