"""The commands: ``openrouter-credits`` (`main`) and ``check_openrouter_credits``
(``openrouter_credits.check``), with what only they share. A library copy leaves this
subpackage out (``make vendor``)."""

from ._common import EXIT_STATUSES
from ._credits import main

__all__ = ["EXIT_STATUSES", "main"]
