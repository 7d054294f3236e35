"""The files the commands read are UTF-8 whatever the locale (a key file, the metrics file
of a previous run): under a locale whose default encoding is ASCII (``LANG=C`` without
UTF-8 mode), ``open`` without an encoding would fail on them. The locale is simulated: the
test's ``open`` decodes as ASCII when no encoding is given, as Python's would there.
"""

from __future__ import annotations

import builtins
from pathlib import Path
from typing import Any

import pytest
from openrouter_credits.cli._common import Exit, read_key
from openrouter_credits.cli._prometheus import LAST_SUCCESS, last_success


@pytest.fixture
def ascii_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    real: Any = builtins.open

    def open_(
        file: Any, mode: str = "r", *args: Any, encoding: str | None = None, **kw: Any
    ) -> Any:
        if "b" not in mode and encoding is None:
            encoding = "ascii"
        return real(file, mode, *args, encoding=encoding, **kw)

    monkeypatch.setattr(builtins, "open", open_)


@pytest.mark.usefixtures("ascii_locale")
def test_a_key_file_is_read_as_utf_8(tmp_path: Path) -> None:
    # A byte order mark (as some editors write) is read, then refused as what it is.
    key_file = tmp_path / "key"
    key_file.write_text("\ufeffsk-or-v1-abc\n", encoding="utf-8")
    key_file.chmod(0o600)
    with pytest.raises(Exit) as info:
        read_key(str(key_file), strict=False, warn=print)
    assert info.value.message.endswith("contains characters HTTP does not allow")


@pytest.mark.usefixtures("ascii_locale")
def test_the_last_success_is_read_from_a_utf_8_metrics_file(tmp_path: Path) -> None:
    metrics = tmp_path / "credits.prom"
    text = f"# HELP {LAST_SUCCESS} Unix time — of the last read\n{LAST_SUCCESS} 1767225600\n"
    metrics.write_text(text, encoding="utf-8")
    assert last_success(str(metrics)) == 1767225600.0
