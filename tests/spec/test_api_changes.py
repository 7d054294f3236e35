"""tools/api_changes.py and the public API comparison in tools/release.py: the report, its
rules and the version bump.

Each class of change is a pair of descriptions made here from the real ``openapi.yaml``
by editing it; the expected report line and classification are spelled out.
"""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tools import api_changes, release
from tools.api_changes import Kind, Level

ROOT = Path(__file__).resolve().parents[2]
OPENAPI = ROOT / "openapi.yaml"
Edit = Callable[[dict[str, Any]], None]


def real() -> dict[str, Any]:
    return api_changes.load_description(OPENAPI)


def data(doc: dict[str, Any]) -> dict[str, Any]:
    """The credits body's ``data`` object schema."""
    ok = doc["paths"]["/credits"]["get"]["responses"]["200"]
    schema: dict[str, Any] = ok["content"]["application/json"]["schema"]["properties"]["data"]
    return schema


def get(doc: dict[str, Any]) -> dict[str, Any]:
    operation: dict[str, Any] = doc["paths"]["/credits"]["get"]
    return operation


def add_optional_field(doc: dict[str, Any]) -> None:
    data(doc)["properties"]["pending_credits"] = {"type": "number", "format": "double"}


def remove_field(doc: dict[str, Any]) -> None:
    del data(doc)["properties"]["total_usage"]
    data(doc)["required"].remove("total_usage")


def make_optional(doc: dict[str, Any]) -> None:
    data(doc)["required"].remove("total_usage")


def retype(doc: dict[str, Any]) -> None:
    data(doc)["properties"]["total_usage"] = {"type": "string", "description": "Total used"}


def add_header(doc: dict[str, Any]) -> None:
    header = {"name": "X-Request-Id", "in": "header", "schema": {"type": "string"}}
    get(doc)["parameters"].append(header)


def add_status(doc: dict[str, Any]) -> None:
    get(doc)["responses"]["429"] = {"description": "Too many requests"}


def describe(doc: dict[str, Any]) -> None:
    data(doc)["properties"]["total_credits"]["description"] = "All credits ever bought"


BODY = "response 200 body: field"
CASES: list[tuple[Edit, str, Level]] = [
    (
        add_optional_field,
        f"feature   GET /credits: {BODY} data.pending_credits added (optional)",
        Level.MINOR,
    ),
    (remove_field, f"breaking  GET /credits: {BODY} data.total_usage removed", Level.MAJOR),
    (make_optional, f"breaking  GET /credits: {BODY} data.total_usage made optional", Level.MAJOR),
    (
        retype,
        f"breaking  GET /credits: {BODY} data.total_usage type number (double) → string",
        Level.MAJOR,
    ),
    (
        add_header,
        "feature   GET /credits: header parameter X-Request-Id added (optional)",
        Level.MINOR,
    ),
    (add_status, "feature   GET /credits: response 429 added", Level.MINOR),
    (
        describe,
        f"docs      GET /credits: {BODY} data.total_credits description changed",
        Level.PATCH,
    ),
]


@pytest.mark.parametrize(("edit", "line", "level"), CASES, ids=[c[0].__name__ for c in CASES])
def test_each_class_of_change_has_its_line_and_classification(
    edit: Edit, line: str, level: Level
) -> None:
    old, new = real(), real()
    edit(new)
    changes = api_changes.compare(old, new)
    lines = [c.line() for c in changes]
    assert line in lines
    if edit is not retype:  # retype also drops the description and example: docs lines
        assert lines == [line]
    assert api_changes.required_level(changes) is level


def test_no_change_is_nothing_to_bump() -> None:
    assert api_changes.compare(real(), real()) == []
    text = api_changes.report([], "a.yaml", "b.yaml", "0.1.0")
    assert (
        text
        == "API changes from a.yaml to b.yaml:\n  none\nVersion bump: none (nothing changed).\n"
    )


def test_the_report_prints_the_bump_with_the_0x_rule() -> None:
    old, new = real(), real()
    remove_field(new)
    add_header(new)
    text = api_changes.report(api_changes.compare(old, new), "old.yaml", "new.yaml", "0.1.0")
    assert text.splitlines() == [
        "API changes from old.yaml to new.yaml:",
        f"  breaking  GET /credits: {BODY} data.total_usage removed",
        "  feature   GET /credits: header parameter X-Request-Id added (optional)",
        "Version bump: 0.1.0 → 0.2.0, the minor number (breaking changes; before 1.0 a "
        "breaking change bumps the minor number).",
    ]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            lambda d: get(d)["parameters"].append(
                {"name": "X-Key", "in": "header", "required": True, "schema": {"type": "string"}}
            ),
            (Kind.BREAKING, "header parameter X-Key added (required)"),
        ),
        (
            lambda d: get(d)["responses"].pop("403"),
            (Kind.BREAKING, "response 403 removed"),
        ),
        (
            lambda d: data(d)["properties"]["total_usage"].update(type=["number", "null"]),
            (
                Kind.BREAKING,
                f"{BODY} data.total_usage type number (double) → number | null (double)",
            ),
        ),
        (
            lambda d: data(d)["properties"].update(kind={"type": "string", "enum": ["a", "b"]}),
            (Kind.FEATURE, f"{BODY} data.kind added (optional)"),
        ),
        (
            lambda d: (
                data(d)["required"].append("extra")
                or data(d)["properties"].update(extra={"type": "integer"})
            ),
            (Kind.FEATURE, f"{BODY} data.extra added (always present)"),
        ),
        (
            lambda d: d["servers"].append({"url": "https://eu.openrouter.ai/api/v1"}),
            (Kind.FEATURE, "server https://eu.openrouter.ai/api/v1 added"),
        ),
        (
            lambda d: d["servers"][0].update(url="https://openrouter.ai/api/v2"),
            (Kind.BREAKING, "server https://openrouter.ai/api/v1 removed"),
        ),
        (
            lambda d: d.update(security=[{"oauth": []}]),
            (Kind.OTHER, "changed (not classified: review it by hand)"),
        ),
        (
            lambda d: d["components"]["securitySchemes"]["apiKey"].update(scheme="basic"),
            (Kind.OTHER, "scheme apiKey changed (not classified: review it by hand)"),
        ),
        (
            lambda d: get(d).update(operationId="fetchCredits"),
            (
                Kind.BREAKING,
                "operationId getCredits → fetchCredits (the generated function is renamed)",
            ),
        ),
        (
            lambda d: d["x-speakeasy-retries"]["statusCodes"].append("409"),
            (Kind.OTHER, "changed (not classified: review it by hand)"),
        ),
    ],
)
def test_more_rules(edit: Edit, expected: tuple[Kind, str]) -> None:
    old, new = real(), real()
    edit(new)
    assert expected in [(c.kind, c.what) for c in api_changes.compare(old, new)]


def test_a_schema_change_the_rules_do_not_cover_is_for_review() -> None:
    old = real()
    data(old)["properties"]["kind"] = {"type": "string", "enum": ["a", "b"]}
    new = copy.deepcopy(old)
    data(new)["properties"]["kind"]["enum"] = ["a", "c"]
    changes = api_changes.compare(old, new)
    assert [c.line() for c in changes] == [
        f"review    GET /credits: {BODY} data.kind enum changed (not classified: review it by hand)"
    ]
    assert api_changes.required_level(changes) is Level.PATCH


# --- bad input -----------------------------------------------------------------------


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tools.release", "changes", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_bad_input_is_one_error_line_naming_the_file_and_exit_1(tmp_path: Path) -> None:
    not_api = tmp_path / "notes.yaml"
    not_api.write_text("title: shopping list\nitems: [milk]\n")
    no_credits = tmp_path / "other.yaml"
    doc = real()
    get(doc)["operationId"] = "somethingElse"
    no_credits.write_text(yaml.safe_dump(doc))
    not_yaml = tmp_path / "README.md"
    not_yaml.write_text("# Title\n\nSome text: here\nmore: [\n")
    expected = {
        not_api: f"{not_api}: not an OpenAPI 3.x description (no 'openapi: 3.x' field)",
        no_credits: f"{no_credits}: has no getCredits operation",
        tmp_path / "missing.yaml": f"{tmp_path / 'missing.yaml'}: cannot read: ",
        not_yaml: f"{not_yaml}: not valid YAML: ",
    }
    for path, message in expected.items():
        run = run_cli("--old", str(path))
        assert run.returncode == 1, run
        assert run.stdout == ""
        assert run.stderr.startswith(f"release: error: {message}")
        assert run.stderr.count("\n") == 1, run.stderr


def test_the_command_compares_with_the_last_release_or_a_given_file(tmp_path: Path) -> None:
    # The state it needs, built here: a release recorded, and a change since.
    (tmp_path / "spec/released").mkdir(parents=True)
    shutil.copy2(OPENAPI, tmp_path / "openapi.yaml")
    shutil.copy2(OPENAPI, tmp_path / "spec/released/openapi.yaml")
    (tmp_path / "spec/released/version").write_text("0.3.0\n")
    run = run_cli(cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout == (
        "API changes from spec/released/openapi.yaml (release 0.3.0) to openapi.yaml:\n"
        "  none\nVersion bump: none (nothing changed).\n"
    )
    doc = real()
    remove_field(doc)
    (tmp_path / "openapi.yaml").write_text(yaml.safe_dump(doc))
    run = run_cli(cwd=tmp_path)
    assert f"{BODY} data.total_usage removed" in run.stdout, run.stdout + run.stderr
    assert "Version bump: 0.3.0 → 0.4.0, the minor number" in run.stdout
    shutil.copy2(tmp_path / "openapi.yaml", tmp_path / "older.yaml")
    shutil.copy2(OPENAPI, tmp_path / "openapi.yaml")
    run = run_cli("--old", "older.yaml", cwd=tmp_path)
    assert f"{BODY} data.total_usage added (always present)" in run.stdout, run.stderr
    assert "Version bump: minor (new features)." in run.stdout  # no release to bump from


# --- versions --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "level", "expected"),
    [
        ("0.1.0", Level.MAJOR, "0.2.0"),
        ("0.1.0", Level.MINOR, "0.1.1"),
        ("0.1.0", Level.PATCH, "0.1.1"),
        ("0.1.0", Level.NONE, "0.1.0"),
        ("1.4.2", Level.MAJOR, "2.0.0"),
        ("1.4.2", Level.MINOR, "1.5.0"),
        ("1.4.2", Level.PATCH, "1.4.3"),
    ],
)
def test_next_version(current: str, level: Level, expected: str) -> None:
    assert api_changes.next_version(current, level) == expected
    # The advice names the number that changes, not the size of the change.
    changed = [a != b for a, b in zip(current.split("."), expected.split("."), strict=True)]
    if True not in changed:
        assert api_changes.advice(level, current) == "Version bump: none (nothing changed)."
        return
    number = ("major", "minor", "patch")[changed.index(True)]
    assert api_changes.advice(level, current).startswith(
        f"Version bump: {current} → {expected}, the {number} number ("
    )


# --- the public API ------------------------------------------------------------------


def test_public_api_changes_are_classified_for_callers() -> None:
    old = release.public_api(ROOT)
    new = copy.deepcopy(old)
    members = new["members"]
    del members["GetCreditsData"]["members"]["total_usage"]
    get_credits = members["client"]["members"]["Credits"]["members"]["get_credits"]
    get_credits["parameters"] += [
        {"name": "extra", "kind": "keyword-only", "default": "None"},
        {"name": "needed", "kind": "keyword-only"},
    ]
    members["errors"]["members"]["NoResponseError"]["bases"] = []
    members["CONSTANT"] = {"kind": "attribute", "name": "CONSTANT", "annotation": "int"}
    members["GetCreditsData"]["members"]["total_credits"]["annotation"] = "int"
    call = "openrouter_credits.client.Credits.get_credits"
    assert [c.line() for c in release.compare_public_api(old, new)] == [
        "breaking  public API: openrouter_credits.GetCreditsData.total_usage: "
        "public object was removed",
        f"breaking  public API: {call}(needed): parameter was added as required",
        "breaking  public API: openrouter_credits.errors.NoResponseError: base class was removed",
        "feature   public API: openrouter_credits.CONSTANT added",
        f"feature   public API: {call}(extra) added",
        "review    public API: openrouter_credits.GetCreditsData.total_credits changed",
    ]


def test_the_snapshot_covers_the_client_and_matches_the_recorded_release() -> None:
    api = release.public_api(ROOT)
    members = api["members"]
    assert members["OpenRouter"]["kind"] == "class"
    data = members["GetCreditsData"]["members"]
    assert data["total_usage"] == {
        "kind": "attribute",
        "name": "total_usage",
        "annotation": "float",
    }
    assert members["models"]["members"]["GetCreditsData"] == members["GetCreditsData"]
    init = members["client"]["members"]["OpenRouter"]["members"]["__init__"]
    assert "http_referer" in {p["name"] for p in init["parameters"]}
    assert "_calls" not in members  # private modules are not the API
    assert release.compare_public_api(api, api) == []
