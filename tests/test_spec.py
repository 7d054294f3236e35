"""tools/spec.py: slicing the upstream description, applying overlays, writing openapi.yaml.

Small in-memory fixtures for the rules, the pinned upstream copy for the real output, and
one end-to-end run of the Makefile on a copy of the repository for an upstream change.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from tools import spec
from tools.spec import SpecError

ROOT = Path(__file__).resolve().parent.parent
PINNED = ROOT / "spec" / "upstream" / "openrouter-openapi.yaml"
OVERLAYS = ROOT / "spec" / "overlays"


def upstream() -> dict[str, Any]:
    """A tiny upstream description: getCredits plus things that must not be kept."""
    ref = "#/components/{}/{}".format
    return {
        "openapi": "3.1.0",
        "info": {"title": "Upstream", "version": "1.0.0", "contact": {"name": "Support"}},
        "servers": [{"url": "https://api.example.test/v1"}],
        "security": [{"apiKey": []}],
        "externalDocs": {"url": "https://docs.example.test"},
        "x-speakeasy-retries": {"strategy": "backoff", "statusCodes": ["5XX"]},
        "x-retry-strategy": {"type": "exponential", "maxAttempts": 3},
        "x-unrelated-extension": True,
        "webhooks": {"ping": {"post": {"responses": {"200": {"description": "ok"}}}}},
        "tags": [{"name": "Credits", "description": "credits"}, {"name": "Other"}],
        "paths": {
            "/credits": {
                "summary": "Credits",
                "servers": [{"url": "https://credits.example.test"}],
                "parameters": [{"$ref": ref("parameters", "Trace")}],
                "get": {
                    "operationId": "getCredits",
                    "tags": ["Credits"],
                    "security": [{"oauth": []}],
                    "responses": {
                        "200": {"$ref": ref("responses", "Credits")},
                        "400": {
                            "description": "bad",
                            "content": {
                                "application/json": {"schema": {"$ref": ref("schemas", "Pet")}}
                            },
                        },
                    },
                },
                "post": {
                    "operationId": "buyCredits",
                    "tags": ["Other"],
                    "responses": {"200": {"$ref": ref("responses", "Bought")}},
                },
            },
            "/other": {
                "get": {
                    "operationId": "other",
                    "tags": ["Other"],
                    "security": [{"unused": []}],
                    "responses": {"200": {"$ref": ref("responses", "Bought")}},
                }
            },
        },
        "components": {
            "parameters": {
                "Trace": {
                    "name": "X-Trace",
                    "in": "header",
                    "schema": {"$ref": ref("schemas", "Id")},
                },
                "Unused": {"name": "u", "in": "query", "schema": {"type": "string"}},
            },
            "responses": {
                "Credits": {
                    "description": "credits",
                    "content": {
                        "application/json": {"schema": {"$ref": ref("schemas", "Credits")}}
                    },
                },
                "Bought": {
                    "description": "bought",
                    "content": {
                        "application/json": {"schema": {"$ref": ref("schemas", "Receipt")}}
                    },
                },
            },
            "schemas": {
                "Credits": {
                    "type": "object",
                    "properties": {"data": {"$ref": ref("schemas", "CreditsData")}},
                },
                "CreditsData": {
                    "type": "object",
                    "properties": {"total": {"$ref": ref("schemas", "Amount")}},
                },
                "Amount": {"type": "number", "format": "double"},
                "Id": {"type": "string"},
                "Pet": {
                    "oneOf": [{"$ref": ref("schemas", "Cat")}],
                    "discriminator": {
                        "propertyName": "kind",
                        # Mapping targets are references too: a full one and a bare name.
                        "mapping": {"cat": ref("schemas", "Cat"), "dog": "Dog"},
                    },
                },
                "Cat": {"type": "object"},
                "Dog": {"type": "object"},
                "Receipt": {"type": "object", "properties": {"id": {"$ref": ref("schemas", "Id")}}},
                "Unused": {"type": "string"},
            },
            "securitySchemes": {
                "apiKey": {"type": "http", "scheme": "bearer"},
                "oauth": {"type": "oauth2", "flows": {}},
                "unused": {"type": "apiKey", "in": "header", "name": "X-Key"},
            },
        },
    }


def names(doc: dict[str, Any], kind: str) -> set[str]:
    return set(doc["components"].get(kind, {}))


# --- slicing -------------------------------------------------------------------------


def test_slice_keeps_the_operation_and_what_it_references_transitively() -> None:
    sliced = spec.slice_spec(upstream())
    assert list(sliced["paths"]) == ["/credits"]
    # The path item's shared fields come along; the other operation on it does not.
    assert set(sliced["paths"]["/credits"]) == {"summary", "servers", "parameters", "get"}
    assert sliced["paths"]["/credits"]["get"] == upstream()["paths"]["/credits"]["get"]
    # Response -> Credits -> CreditsData -> Amount; path parameter -> Id; Pet's
    # discriminator mapping -> Cat and (by bare name) Dog.
    assert names(sliced, "schemas") == {
        "Credits",
        "CreditsData",
        "Amount",
        "Id",
        "Pet",
        "Cat",
        "Dog",
    }
    assert names(sliced, "parameters") == {"Trace"}
    assert names(sliced, "responses") == {"Credits"}
    # Root security (apiKey) and operation security (oauth), nothing else.
    assert names(sliced, "securitySchemes") == {"apiKey", "oauth"}
    assert (
        sliced["components"]["schemas"]["CreditsData"]
        == (upstream()["components"]["schemas"]["CreditsData"])
    )


def test_slice_keeps_root_metadata_and_retry_extensions_and_drops_the_rest() -> None:
    source = upstream()
    sliced = spec.slice_spec(source)
    for key in ("openapi", "info", "servers", "security", "externalDocs"):
        assert sliced[key] == source[key]
    assert sliced["x-speakeasy-retries"] == source["x-speakeasy-retries"]
    assert sliced["x-retry-strategy"] == source["x-retry-strategy"]
    assert set(sliced) == {
        "openapi",
        "info",
        "servers",
        "security",
        "externalDocs",
        "x-speakeasy-retries",
        "x-retry-strategy",
        "paths",
        "components",
        "tags",
    }
    assert sliced["tags"] == [{"name": "Credits", "description": "credits"}]
    assert source == upstream(), "slicing must not change its input"


def test_slice_keeps_exactly_the_operations_named_in_the_setting() -> None:
    sliced = spec.slice_spec(upstream(), keep=("getCredits", "buyCredits"))
    assert set(sliced["paths"]["/credits"]) >= {"get", "post"}
    assert "/other" not in sliced["paths"]
    assert {"Receipt", "Id"} <= names(sliced, "schemas")
    assert "Unused" not in names(sliced, "schemas")
    assert [t["name"] for t in sliced["tags"]] == ["Credits", "Other"]
    assert spec.KEEP_OPERATION_IDS == ("getCredits",)


def test_slice_missing_operation_id_is_an_error() -> None:
    with pytest.raises(SpecError, match=r"operationId.*not found upstream: listCredits"):
        spec.slice_spec(upstream(), keep=("getCredits", "listCredits"))


def test_slice_ref_to_a_missing_component_is_an_error() -> None:
    source = upstream()
    del source["components"]["schemas"]["Amount"]
    with pytest.raises(SpecError, match=r"'#/components/schemas/Amount'.*does not have"):
        spec.slice_spec(source)


def test_slice_unsupported_ref_and_unknown_security_scheme_are_errors() -> None:
    source = upstream()
    source["components"]["schemas"]["Amount"] = {"$ref": "common.yaml#/Amount"}
    with pytest.raises(SpecError, match=re.escape("unsupported $ref 'common.yaml#/Amount'")):
        spec.slice_spec(source)
    source = upstream()
    del source["components"]["securitySchemes"]["oauth"]
    with pytest.raises(SpecError, match="security scheme 'oauth' is not defined"):
        spec.slice_spec(source)
    with pytest.raises(SpecError, match="no 'paths'"):
        spec.slice_spec({"openapi": "3.1.0"})


def test_load_yaml_reads_mapping_keys_as_strings(tmp_path: Path) -> None:
    path = tmp_path / "doc.yaml"
    path.write_text("responses:\n  200: {description: ok}\n  4XX: {description: other}\n")
    assert spec.load_yaml(path) == {
        "responses": {"200": {"description": "ok"}, "4XX": {"description": "other"}}
    }


def test_load_yaml_errors_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: [1, 2\n")
    with pytest.raises(SpecError, match=r"bad\.yaml: not valid YAML"):
        spec.load_yaml(bad)
    with pytest.raises(SpecError, match=r"missing\.yaml: cannot read"):
        spec.load_yaml(tmp_path / "missing.yaml")


# --- overlays ------------------------------------------------------------------------


def overlay(*actions: dict[str, Any], version: Any = "1.0.0") -> dict[str, Any]:
    return {"overlay": version, "info": {"title": "t", "version": "1"}, "actions": list(actions)}


def test_update_on_an_object_merges_recursively() -> None:
    doc = spec.slice_spec(upstream())
    spec.apply_overlay(
        doc,
        overlay(
            {
                "target": "$.info",
                "update": {"title": "Sliced", "x-new": 1, "contact": {"email": "a@b.test"}},
            }
        ),
        "o.overlay.yaml",
    )
    assert doc["info"] == {
        "title": "Sliced",  # a primitive replaces
        "version": "1.0.0",  # untouched
        "x-new": 1,  # inserted
        "contact": {"name": "Support", "email": "a@b.test"},  # objects merge
    }


def test_update_on_an_object_concatenates_nested_arrays() -> None:
    doc = spec.slice_spec(upstream())
    update = {"statusCodes": ["408", "429"], "retryConnectionErrors": True}
    spec.apply_overlay(doc, overlay({"target": "$['x-speakeasy-retries']", "update": update}), "o")
    assert doc["x-speakeasy-retries"] == {
        "strategy": "backoff",
        "statusCodes": ["5XX", "408", "429"],
        "retryConnectionErrors": True,
    }


def test_update_on_an_array_appends() -> None:
    doc = spec.slice_spec(upstream())
    spec.apply_overlay(
        doc,
        overlay(
            # An array update is concatenated; anything else is appended as one entry.
            {"target": "$['x-speakeasy-retries'].statusCodes", "update": ["408", "429"]},
            {"target": "$.servers", "update": {"url": "https://eu.example.test/v1"}},
        ),
        "o",
    )
    assert doc["x-speakeasy-retries"]["statusCodes"] == ["5XX", "408", "429"]
    assert doc["servers"] == [
        {"url": "https://api.example.test/v1"},
        {"url": "https://eu.example.test/v1"},
    ]


def test_update_on_many_nodes_gives_each_its_own_copy() -> None:
    doc = spec.slice_spec(upstream())
    spec.apply_overlay(
        doc,
        overlay({"target": "$.components.schemas[?@.type == 'object']", "update": {"x": {}}}),
        "o",
    )
    schemas = doc["components"]["schemas"]
    assert schemas["Cat"]["x"] == schemas["Dog"]["x"] == {}
    assert schemas["Cat"]["x"] is not schemas["Dog"]["x"]
    assert "x" not in schemas["Amount"]


def test_remove_deletes_keys_and_array_items() -> None:
    doc = spec.slice_spec(upstream())
    doc["x-list"] = ["a", "b", "c", "d"]
    spec.apply_overlay(
        doc,
        overlay(
            {"target": "$.paths['/credits'].get.security", "remove": True},
            # Several items of one array: each removed, the others kept.
            {"target": "$['x-list'][0,2]", "remove": True},
            # A node selected twice is removed once.
            {"target": "$.servers[0,0]", "remove": True},
            {"target": "$.components.schemas[?@.type == 'object' && @.properties]", "remove": True},
        ),
        "o",
    )
    assert "security" not in doc["paths"]["/credits"]["get"]
    assert doc["x-list"] == ["b", "d"]
    assert doc["servers"] == []
    assert "Credits" not in doc["components"]["schemas"]
    assert "CreditsData" not in doc["components"]["schemas"]
    assert "Cat" in doc["components"]["schemas"]


def test_a_target_that_matches_nothing_names_the_file_and_action() -> None:
    doc = spec.slice_spec(upstream())
    actions = (
        {"target": "$.info", "update": {"x-ok": True}},
        {"target": "$.paths['/nowhere'].get", "remove": True},
    )
    with pytest.raises(SpecError) as caught:
        spec.apply_overlay(doc, overlay(*actions), "overlays/50-x.overlay.yaml")
    assert str(caught.value) == (
        "overlays/50-x.overlay.yaml: action 2 (target $.paths['/nowhere'].get): "
        "the target matches nothing"
    )


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([1, 2], "not an Overlay 1.0 document"),
        ({"info": {"title": "t", "version": "1"}, "actions": []}, "not an Overlay 1.0 document"),
        (overlay({"target": "$", "update": {}}, version="2.0.0"), "not an Overlay 1.0 document"),
        (overlay({"target": "$", "update": {}}, version=1.0), "not an Overlay 1.0 document"),
        ({"overlay": "1.0.0", "actions": [{"target": "$"}]}, "needs an 'info' object"),
        (overlay(), "'actions' must be a non-empty list"),
        ({"overlay": "1.0.0", "info": {"title": "t", "version": "1"}}, "'actions' must be"),
        ({**overlay(), "actions": ["$.info"]}, "action 1: needs a 'target' JSONPath string"),
        (overlay({"update": {}}), "action 1: needs a 'target' JSONPath string"),
        (
            overlay({"target": "$.info", "update": {}, "remove": True}),
            "action 1 (target $.info): needs exactly one of 'update' or 'remove: true'",
        ),
        (overlay({"target": "$.info"}), "needs exactly one of 'update' or 'remove: true'"),
        (overlay({"target": "$.info", "remove": "yes"}), "'remove' must be true or false"),
        (overlay({"target": "$.info", "copy": "$.servers"}), "'copy' action is not supported"),
        (
            overlay({"target": "$.info[", "update": {}}),
            "action 1 (target $.info[): invalid JSONPath",
        ),
        (overlay({"target": "info", "update": {}}), "invalid JSONPath"),
        (overlay({"target": "$.info", "update": "x"}), "an object target needs an object 'update'"),
        (
            overlay({"target": "$.info", "update": {"contact": "x"}}),
            "cannot merge a value into an object at 'contact'",
        ),
        (
            overlay({"target": "$", "update": {"servers": {"url": "x"}}}),
            "cannot merge an object into an array at 'servers'",
        ),
        (overlay({"target": "$.info.title", "update": "x"}), "target the object that holds it"),
        (overlay({"target": "$", "remove": True}), "cannot remove the document root"),
    ],
)
def test_malformed_overlays_are_errors_naming_the_file(document: Any, message: str) -> None:
    with pytest.raises(SpecError) as caught:
        spec.apply_overlay(spec.slice_spec(upstream()), document, "bad.overlay.yaml")
    assert str(caught.value).startswith("bad.overlay.yaml: ")
    assert message in str(caught.value)


def test_overlay_version_1_1_is_accepted() -> None:
    doc = spec.slice_spec(upstream())
    spec.apply_overlay(doc, overlay({"target": "$.info", "update": {"x": 1}}, version="1.1.0"), "o")
    assert doc["info"]["x"] == 1


# --- build: overlays folder, order, references ---------------------------------------


def write_yaml(path: Path, data: Any) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


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
    assert [p.name for p in spec.overlay_files(folder)] == [
        "10-first.overlay.yaml",
        "20-second.overlay.yaml",
    ]
    (folder / "10-first.overlay.yaml").rename(folder / "30-first.overlay.yaml")
    with pytest.raises(SpecError, match=r"20-second\.overlay\.yaml: action 1 .* matches nothing"):
        spec.build(source, folder)


def test_build_rejects_a_dangling_ref_an_overlay_adds(tmp_path: Path) -> None:
    source = write_yaml(tmp_path / "upstream.yaml", upstream())
    folder = tmp_path / "overlays"
    folder.mkdir()
    # Unused exists upstream, but overlays run on the slice: it is not pulled in.
    refs = [{"$ref": "#/components/parameters/Unused"}]
    write_yaml(
        folder / "10-ref.overlay.yaml",
        overlay({"target": "$.paths['/credits'].get", "update": {"parameters": refs}}),
    )
    with pytest.raises(SpecError) as caught:
        spec.build(source, folder)
    assert str(caught.value).startswith(f"{folder / '10-ref.overlay.yaml'}: $ref ")
    assert "'#/components/parameters/Unused' points at a component" in str(caught.value)
    # Self-contained: the overlay adds the component it names.
    unused = upstream()["components"]["parameters"]["Unused"]
    write_yaml(
        folder / "10-ref.overlay.yaml",
        overlay(
            {"target": "$.components", "update": {"parameters": {"Unused": unused}}},
            {"target": "$.paths['/credits'].get", "update": {"parameters": refs}},
        ),
    )
    assert "Unused" in yaml.safe_load(spec.build(source, folder))["components"]["parameters"]


def test_build_errors_name_the_upstream_file_and_the_overlays_folder(tmp_path: Path) -> None:
    source = write_yaml(tmp_path / "upstream.yaml", {"openapi": "3.1.0", "paths": {}})
    with pytest.raises(SpecError, match=r"upstream\.yaml: operationId\(s\) not found"):
        spec.build(source, OVERLAYS)
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


# --- an upstream change, end to end through the Makefile -----------------------------

NEW_FIELD = """\
pending_credits:
  description: 'Credits reserved by requests still in progress'
  example: 1.5
  format: 'double'
  type: 'number'
"""


def add_optional_field(text: str) -> str:
    """The pinned upstream text with ``pending_credits`` in getCredits' 200 ``data``."""
    start = text.index("\n  /credits:\n")
    found = re.compile(r"\n( +)total_usage:\n").search(text, start)
    assert found is not None, "total_usage not found under /credits"
    indent = found.group(1)
    return (
        text[: found.start()]
        + "\n"
        + textwrap.indent(NEW_FIELD, indent)
        + text[found.start() + 1 :]
    )


def make(repo: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE") and k != "MFLAGS"}
    env.pop("UPSTREAM", None)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    # -o: never rebuild the .venv stamp here; the .venv is the checkout's, shared.
    run = subprocess.run(
        ["make", "--no-print-directory", "-o", ".venv/.setup-stamp", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if ok:
        assert run.returncode == 0, f"make {' '.join(args)} failed:\n{run.stdout}\n{run.stderr}"
    return run


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
