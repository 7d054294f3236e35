"""A command run as its process's own program (``argv`` None: ``sys.argv``) takes what it
imported out of the garbage collector's view (``gc.freeze()``: BENCHMARKS.md section 5);
called with ``argv``, as tests and programs of yours call it, it leaves the collector alone.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable, Sequence

import pytest
from openrouter_credits.cli import _credits, _plugin


@pytest.mark.parametrize("main", [_credits.main, _plugin.main], ids=["credits", "plugin"])
def test_only_a_process_program_freezes_its_imports(
    main: Callable[[Sequence[str] | None], int],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert gc.get_freeze_count() == 0
    main(["--version"])
    assert gc.get_freeze_count() == 0
    monkeypatch.setattr(sys, "argv", ["command", "--version"])
    try:
        main(None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
    assert capsys.readouterr().out.count(" 0.") == 2  # both ran: --version
