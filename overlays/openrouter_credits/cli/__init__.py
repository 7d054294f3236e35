"""The commands: ``openrouter-credits`` (`main`) and ``check_openrouter_credits``
(``openrouter_credits.check``), with what only they share. A library copy leaves this
subpackage out (``make vendor``)."""

from __future__ import annotations

from collections.abc import Sequence

from ._common import EXIT_STATUSES

__all__ = ["EXIT_STATUSES", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``openrouter-credits`` with ``argv`` (default: ``sys.argv[1:]``); return the exit
    status. Its module loads here, so that the monitoring plugin never loads it."""
    from ._credits import main as run

    return run(argv)
