"""An upstream change, end to end through the Makefile: on a copy of the repository, a new
optional field flows through make spec, make check and make generate into a typed
attribute of the generated model.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import textwrap
from pathlib import Path
from typing import Any

import pytest

from .conftest import PINNED, ROOT, make

# --- an upstream change, end to end through the Makefile -----------------------------

NEW_FIELD = """\
{name}:
  description: 'Credits reserved by requests still in progress'
  example: 1.5
  format: 'double'
  type: 'number'
"""


def add_optional_field(text: str, name: str = "pending_credits") -> str:
    """The pinned upstream text with the field ``name`` in getCredits' 200 ``data``."""
    assert f" {name}:\n" not in text, f"upstream has {name} already: pick another name"
    start = text.index("\n  /credits:\n")
    found = re.compile(r"\n( +)total_usage:\n").search(text, start)
    assert found is not None, "total_usage not found under /credits"
    indent = found.group(1)
    return (
        text[: found.start()]
        + "\n"
        + textwrap.indent(NEW_FIELD.format(name=name), indent)
        + text[found.start() + 1 :]
    )


def model_fields(repo: Path, data: dict[str, Any]) -> Any:
    """Parse ``data`` with the repository copy's generated GetCreditsData."""
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1])\n"
        "from generated.models.get_credits_data import GetCreditsData\n"
        "from generated.types import Unset\n"
        "m = GetCreditsData.from_dict(json.loads(sys.argv[2]))\n"
        "field = getattr(m, 'pending_credits', 'no such field')\n"
        "print(json.dumps({'pending_credits': 'UNSET' if isinstance(field, Unset) else field,\n"
        "    'additional_properties': m.additional_properties, 'to_dict': m.to_dict()}))"
    )
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    run = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "-c", code, str(repo), json.dumps(data)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return json.loads(run.stdout)


@pytest.mark.skipif(
    not (ROOT / ".venv" / ".setup-stamp").exists() or shutil.which("make") is None,
    reason="needs the checkout's .venv (make setup) and make",
)
def test_an_upstream_change_flows_through_spec_generate_and_check(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy2(ROOT / name, repo / name)
    shutil.copytree(ROOT / "requirements", repo / "requirements")
    for name in ("openapi.yaml", "generator-config.yaml"):
        shutil.copy2(ROOT / name, repo / name)
    ignore = shutil.ignore_patterns("__pycache__")
    for name in ("generated", "templates", "tools", "spec"):
        shutil.copytree(ROOT / name, repo / name, ignore=ignore)
    (repo / ".venv").symlink_to(ROOT / ".venv")

    data = {"total_credits": 100.5, "total_usage": 25.75, "pending_credits": 1.5}
    # Before: the generated model does not know the field; it lands in the extras.
    assert model_fields(repo, data) == {
        "pending_credits": "no such field",
        "additional_properties": {"pending_credits": 1.5},
        "to_dict": data,
    }

    download = tmp_path / "openrouter-openapi.yaml"
    download.write_text(add_optional_field(PINNED.read_text(encoding="utf-8")), encoding="utf-8")
    make(repo, "spec", f"UPSTREAM={download}")
    assert "pending_credits" in (repo / "openapi.yaml").read_text(encoding="utf-8")

    stale = make(repo, "check-generated", ok=False)
    assert stale.returncode != 0
    assert "generated/models/get_credits_data.py" in stale.stdout
    assert "+    pending_credits" in stale.stdout
    assert "run 'make generate'" in stale.stderr
    # The pinned copy is what make check compares with: it fails until it is replaced.
    assert "openapi.yaml differs" in make(repo, "check-spec", ok=False).stderr
    shutil.copy2(download, repo / "spec" / "upstream" / "openrouter-openapi.yaml")

    make(repo, "generate")
    checked = make(repo, "check-spec", "check-generated")
    assert "openapi.yaml matches make spec" in checked.stdout
    assert "generated/ matches the generator's output" in checked.stdout

    # After: a typed, optional attribute of the regenerated model.
    assert model_fields(repo, data) == {
        "pending_credits": 1.5,
        "additional_properties": {},
        "to_dict": data,
    }
    assert model_fields(repo, {"total_credits": 1.0, "total_usage": 0.0}) == {
        "pending_credits": "UNSET",
        "additional_properties": {},
        "to_dict": {"total_credits": 1.0, "total_usage": 0.0},
    }
