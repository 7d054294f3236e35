"""``python -m openrouter_credits.testing``: the stand-in server, scripted from the command
line, to try wrappers, cron jobs and plugin configurations against failures. The options,
with examples: docs/testing.md. Standard library only.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from collections.abc import Sequence
from typing import Final

from ._replies import EXAMPLE_CREDITS, Fault, Reply
from ._server import StandInServer

__all__ = ["main", "parse"]

PROG: Final = "python -m openrouter_credits.testing"
EPILOG: Final = """\
--then [STATUS] starts the next reply (a bare STATUS is short for --then --status STATUS).
Replies are served in order, one per GET /api/v1/credits, each --times N times (default
once); the last one keeps being served, unless it has --times: then the spec's example
200. The first line printed is the base URL to give the client; Ctrl-C or SIGTERM stop.
"""


def _header(text: str) -> tuple[str, str]:
    name, colon, value = text.partition(":")
    if not colon or not name.strip() or any(c in name for c in " \t\r\n"):
        raise argparse.ArgumentTypeError(f"{text!r} is not 'Name: value'")
    return name, value.strip()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        usage=f"{PROG} [--host H] [--port N] [REPLY OPTIONS] [--then [STATUS] [REPLY OPTIONS]]...",
        description="Run a stand-in OpenRouter /credits server that answers as scripted.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    server = parser.add_argument_group("server (before the first --then)")
    server.add_argument("--host", metavar="H", help="IPv4 address (default: 127.0.0.1)")
    server.add_argument("--port", type=int, metavar="N", help="port (default: a free one)")
    reply = parser.add_argument_group("reply options")
    reply.add_argument("--status", type=int, default=200, metavar="CODE", help="(default: 200)")
    reply.add_argument("--credits", type=float, metavar="X", help="total_credits (100.5)")
    reply.add_argument("--usage", type=float, metavar="X", help="total_usage (25.75)")
    reply.add_argument("--body", metavar="TEXT", help="any other body (text/plain)")
    reply.add_argument("--content-type", metavar="TYPE", help="the Content-Type header")
    reply.add_argument(
        "--header", type=_header, action="append", default=[], metavar="'NAME: VALUE'"
    )
    reply.add_argument("--delay", type=float, default=0.0, metavar="SECONDS")
    reply.add_argument("--fault", choices=[fault.value for fault in Fault])
    reply.add_argument(
        "--trickle-interval", type=float, default=0.2, metavar="SECONDS", help="(trickle)"
    )
    reply.add_argument("--times", type=int, metavar="N", help="serve this reply N times")
    return parser


def _reply(parser: argparse.ArgumentParser, args: argparse.Namespace) -> Reply:
    body: str | dict[str, object] | None = args.body
    if args.credits is not None or args.usage is not None:
        if body is not None:
            parser.error("--body and --credits/--usage exclude each other")
        data = EXAMPLE_CREDITS["data"]
        credits = data["total_credits"] if args.credits is None else args.credits
        usage = data["total_usage"] if args.usage is None else args.usage
        body = {"data": {"total_credits": credits, "total_usage": usage}}
    if args.times is not None and args.times < 1:
        parser.error("--times must be 1 or more")
    fault = None if args.fault is None else Fault(args.fault)
    try:
        return Reply(
            args.status,
            body,
            dict(args.header),
            args.content_type,
            args.delay,
            fault,
            args.trickle_interval,
        )
    except ValueError as error:  # Reply's own checks: the status, the delays
        parser.error(str(error))


def parse(argv: Sequence[str]) -> tuple[str, int, list[Reply], Reply]:
    """The host, the port, the replies to script (each ``--times`` over) and the default
    (the last reply, unless it has ``--times``). Usage errors exit 2."""
    parser = _parser()
    groups: list[list[str]] = [[]]
    for arg in argv:
        if arg == "--then":
            groups.append([])
        elif len(groups) > 1 and not groups[-1] and arg.isdigit():
            groups[-1] += ["--status", arg]
        else:
            groups[-1].append(arg)
    script, host, port = [], "127.0.0.1", 0
    for number, group in enumerate(groups):
        args = parser.parse_args(group)
        if number and (args.host is not None or args.port is not None):
            parser.error("--host and --port go before the first --then")
        host = host if args.host is None else args.host
        port = port if args.port is None else args.port
        script += [_reply(parser, args)] * (args.times or 1)
    return host, port, script, Reply() if args.times else script.pop()


def main(argv: Sequence[str] | None = None) -> int:
    """Serve as scripted in the foreground until Ctrl-C or SIGTERM."""
    host, port, script, default = parse(sys.argv[1:] if argv is None else argv)
    server = StandInServer(port=port, host=host)
    server.script(*script)
    server.default = default

    # Both raise KeyboardInterrupt, Ctrl-C even where SIGINT was ignored at start-up.
    stop = (signal.SIGINT, signal.SIGTERM)
    previous = {sig: signal.signal(sig, signal.default_int_handler) for sig in stop}
    try:
        try:
            server.start()
        except (OSError, OverflowError) as error:  # OverflowError: a port past 65535
            print(f"cannot listen on {host}:{port}: {error}", file=sys.stderr)
            return 1
        print(server.base_url, flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return 0
    finally:
        server.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
