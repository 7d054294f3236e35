"""A command run as its process's own program (``argv`` None: ``sys.argv``) takes what it
imported out of the garbage collector's view (``gc.freeze()``: BENCHMARKS.md section 5);
called with ``argv``, as tests and programs of yours call it, it leaves the collector alone.
``gc.freeze`` is replaced by a recorder here: freezing this process would keep its garbage.
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
    frozen: list[None] = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(None))
    main(["--version"])
    assert frozen == []
    monkeypatch.setattr(sys, "argv", ["command", "--version"])
    main(None)
    assert frozen == [None]
    assert capsys.readouterr().out.count(" 0.") == 2  # both ran: --version
