"""tools/spec.py: slicing the upstream description down to getCredits and what it
references; reading YAML.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tools import spec
from tools.spec import SpecError

from .conftest import upstream


def names(doc: dict[str, Any], kind: str) -> set[str]:
    return set(doc["components"].get(kind, {}))


# --- slicing -------------------------------------------------------------------------


def test_slice_keeps_the_operation_and_what_it_references_transitively() -> None:
    sliced = spec.slice_spec(upstream())
    assert list(sliced["paths"]) == ["/credits"]
    # The path item's shared fields come along; the other operation on it does not.
    assert set(sliced["paths"]["/credits"]) == {"summary", "servers", "parameters", "get"}
    assert sliced["paths"]["/credits"]["get"] == upstream()["paths"]["/credits"]["get"]
    # Response -> Credits -> CreditsData -> Amount; path parameter -> Id; Pet -> Cat.
    assert names(sliced, "schemas") == {"Credits", "CreditsData", "Amount", "Id", "Pet", "Cat"}
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
    with pytest.raises(SpecError, match=r"'#/components/schemas/Amount' names a component nei"):
        spec.slice_spec(source)


def test_slice_unsupported_ref_and_unknown_security_scheme_are_errors() -> None:
    source = upstream()
    source["components"]["schemas"]["Amount"] = {"$ref": "common.yaml#/Amount"}
    with pytest.raises(SpecError, match=re.escape("$ref 'common.yaml#/Amount' names a comp")):
        spec.slice_spec(source)
    source = upstream()
    del source["components"]["securitySchemes"]["oauth"]
    with pytest.raises(SpecError, match="'#/components/securitySchemes/oauth' names a comp"):
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
