"""Running ``cli.main`` (and the plugin's ``_plugin.main``) in this process for the edge and
text tests: (status, out, err), with every output checked for the key and a traceback."""

from __future__ import annotations

import io
import time
from collections.abc import Callable

import pytest
from openrouter_credits.cli import _credits as cli
from openrouter_credits.cli import _plugin
from openrouter_credits.testing import StandInServer

KEY = "sk-or-v1-EDGE-SENTINEL-0a1b2c3d4e5f"
PROG = "openrouter-credits: "
MANAGEMENT = "https://openrouter.ai/docs/guides/overview/auth/management-api-keys"

Result = tuple[int, str, str]
Runner = Callable[..., Result]


def runner(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Runner:
    """``cli.main(args)`` with OPENROUTER_API_KEY=key (None: unset): (status, out, err)."""

    def go(*args: str, key: str | None = KEY, stdin: str | None = None) -> Result:
        if key is None:
            monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
        else:
            monkeypatch.setenv("OPENROUTER_API_KEY", key)
        if stdin is not None:
            monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        capsys.readouterr()
        status = cli.main(list(args))
        out, err = capsys.readouterr()
        assert KEY not in out + err
        assert "Traceback" not in err
        return status, out, err

    return go


PluginRunner = Callable[..., tuple[int, str]]


def plugin_runner(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, sentinel: str = KEY
) -> PluginRunner:
    """``_plugin.main(args)`` with OPENROUTER_API_KEY=key (default ``sentinel``; None:
    unset): (state, stdout); standard error stays empty and the key appears nowhere."""

    def go(*args: str, key: str | None = sentinel) -> tuple[int, str]:
        monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
        if key is not None:
            monkeypatch.setenv("OPENROUTER_API_KEY", key)
        capsys.readouterr()
        state = _plugin.main(list(args))
        out, err = capsys.readouterr()
        assert err == ""
        assert sentinel not in out
        return state, out

    return go


def at(server: StandInServer, *args: str) -> list[str]:
    return ["--server-url", server.base_url, *args]


class SlowStdin(io.StringIO):
    """Standard input that takes ``delay`` seconds to give ``text`` (a key typed slowly)."""

    def __init__(self, text: str, delay: float) -> None:
        super().__init__(text)
        self.delay = delay

    def read(self, size: int | None = -1) -> str:
        time.sleep(self.delay)
        return super().read(size)
