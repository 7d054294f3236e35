"""tools/spec.py: building openapi.yaml (the overlays folder, order, references), the
written output (deterministic; the pinned upstream copy reproduces openapi.yaml), and the
command line.
"""

from __future__ import annotations

import copy
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tools import spec
from tools.spec import SpecError

from .conftest import OVERLAYS, PINNED, ROOT, overlay, upstream, write_yaml

# --- build: overlays folder, order, references ---------------------------------------


def test_build_applies_overlays_in_file_name_order(tmp_path: Path) -> None:
    source = write_yaml(tmp_path / "upstream.yaml", upstream())
    folder = tmp_path / "overlays"
    folder.mkdir()
    # 20 edits what 10 adds: works only in file-name order (not creation order).
    write_yaml(
        folder / "20-second.overlay.yaml", overlay({"target": "$.info.x", "update": {"b": 2}})
    )
    write_yaml(
        folder / "10-first.overlay.yaml", overlay({"target": "$.info", "update": {"x": {"a": 1}}})
    )
    write_yaml(folder / "ignored.yaml", "not an overlay")
    result = yaml.safe_load(spec.build(source, folder))
    assert result["info"]["x"] == {"a": 1, "b": 2}
    (folder / "10-first.overlay.yaml").rename(folder / "30-first.overlay.yaml")
    with pytest.raises(SpecError, match=r"20-second\.overlay\.yaml: action 1 .* matches nothing"):
        spec.build(source, folder)


def test_build_slices_after_the_overlays(tmp_path: Path) -> None:
    source = write_yaml(tmp_path / "upstream.yaml", upstream())
    folder = tmp_path / "overlays"
    folder.mkdir()
    # Overlays see the whole upstream description; the slice then keeps what getCredits
    # references, here an upstream component an overlay names.
    refs = [{"$ref": "#/components/parameters/Unused"}]
    write_yaml(
        folder / "10-ref.overlay.yaml",
        overlay(
            {"target": "$.paths['/credits'].get", "update": {"parameters": refs}},
            {"target": "$.paths['/other'].get", "update": {"x-seen": True}},
        ),
    )
    result = yaml.safe_load(spec.build(source, folder))
    assert set(result["components"]["parameters"]) == {"Trace", "Unused"}
    assert list(result["paths"]) == ["/credits"]
    # A $ref to a component that neither upstream nor an overlay defines.
    refs[0]["$ref"] = "#/components/parameters/Nowhere"
    write_yaml(
        folder / "10-ref.overlay.yaml",
        overlay({"target": "$.paths['/credits'].get", "update": {"parameters": refs}}),
    )
    with pytest.raises(SpecError) as caught:
        spec.build(source, folder)
    assert str(caught.value) == (
        f"{source}: $ref '#/components/parameters/Nowhere' names a component neither "
        "upstream nor an overlay defines (only '#/components/<kind>/<name>' references are "
        "supported)"
    )


def test_build_errors_name_the_upstream_file_and_the_overlays_folder(tmp_path: Path) -> None:
    source = write_yaml(tmp_path / "upstream.yaml", {"openapi": "3.1.0", "paths": {}})
    with pytest.raises(SpecError, match=r"upstream\.yaml: operationId\(s\) not found"):
        spec.build(source, tmp_path)
    source = write_yaml(tmp_path / "upstream.yaml", upstream())
    with pytest.raises(SpecError, match="nowhere: not a folder"):
        spec.build(source, tmp_path / "nowhere")


# --- output --------------------------------------------------------------------------


def test_dump_is_deterministic_sorted_and_alias_free() -> None:
    doc = spec.slice_spec(upstream())
    shared = {"type": "string"}
    doc["components"]["schemas"]["A"] = {"properties": {"x": shared, "y": shared}}
    reordered = dict(reversed(list(copy.deepcopy(doc).items())))
    text = spec.dump(doc)
    assert text == spec.dump(doc) == spec.dump(reordered)
    assert "&id" not in text and "*id" not in text
    top = [line.split(":")[0] for line in text.splitlines() if re.match(r"[a-z]", line)]
    assert top == sorted(top)
    assert text.endswith("\n") and "\r" not in text
    assert yaml.safe_load(text) == doc


def test_the_pinned_upstream_copy_reproduces_openapi_yaml_byte_for_byte() -> None:
    built = spec.build(PINNED, OVERLAYS)
    assert built == (ROOT / "openapi.yaml").read_text(encoding="utf-8")
    doc = yaml.safe_load(built)
    get = doc["paths"]["/credits"]["get"]
    assert [p["$ref"].rsplit("/", 1)[1] for p in get["parameters"]] == [
        "HttpReferer",
        "XOpenRouterTitle",
        "XOpenRouterCategories",
    ]
    assert doc["x-speakeasy-retries"]["statusCodes"] == ["5XX", "408", "429"]
    assert "x-speakeasy-name-override" not in get
    assert list(doc["paths"]) == ["/credits"]


# --- command line --------------------------------------------------------------------


def test_main_writes_the_file_and_reports_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_yaml(tmp_path / "upstream.yaml", upstream())
    out = tmp_path / "openapi.yaml"
    folder = tmp_path / "overlays"
    folder.mkdir()
    assert spec.main([str(source), "--overlays", str(folder), "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == spec.dump(spec.slice_spec(upstream()))
    write_yaml(folder / "10-bad.overlay.yaml", overlay({"target": "$.nope", "update": {}}))
    assert spec.main([str(source), "--overlays", str(folder), "--out", str(out)]) == 1
    assert capsys.readouterr().err == (
        f"spec: error: {folder / '10-bad.overlay.yaml'}: action 1 (target $.nope): "
        "the target matches nothing\n"
    )


def test_the_script_exits_1_with_the_message_on_stderr(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "spec.py"), str(tmp_path / "missing.yaml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1
    assert run.stdout == ""
    assert run.stderr.startswith(f"spec: error: {tmp_path / 'missing.yaml'}: cannot read")
