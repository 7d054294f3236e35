"""tools/spec.py: applying an OpenAPI Overlay (update, remove, targets, malformed overlays)."""

from __future__ import annotations

from typing import Any

import pytest

from tools import spec
from tools.spec import SpecError

from .conftest import overlay, upstream


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


def test_update_replaces_a_value_and_appends_to_an_array_at_any_depth() -> None:
    doc = spec.slice_spec(upstream())
    update = {"info": {"contact": "support"}, "servers": {"url": "https://eu.example.test"}}
    spec.apply_overlay(doc, overlay({"target": "$", "update": update}), "o")
    assert doc["info"]["contact"] == "support"  # a value replaces an object
    assert doc["servers"] == [
        {"url": "https://api.example.test/v1"},
        {"url": "https://eu.example.test"},  # an object is appended to an array
    ]


def test_update_on_many_nodes_gives_each_its_own_copy() -> None:
    doc = spec.slice_spec(upstream())
    spec.apply_overlay(
        doc,
        overlay({"target": "$.components.schemas[?@.type == 'object']", "update": {"x": {}}}),
        "o",
    )
    schemas = doc["components"]["schemas"]
    assert schemas["Cat"]["x"] == schemas["Credits"]["x"] == {}
    assert schemas["Cat"]["x"] is not schemas["Credits"]["x"]
    assert "x" not in schemas["Amount"]


def test_remove_deletes_keys_and_array_items() -> None:
    doc = spec.slice_spec(upstream())
    doc["x-list"] = ["a", "b", "c", "d"]
    spec.apply_overlay(
        doc,
        overlay(
            # With remove: true, an update has no effect (Overlay 1.0).
            {"target": "$.paths['/credits'].get.security", "remove": True, "update": [{}]},
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
        ({"overlay": "1.0.0", "actions": [{"target": "$"}]}, "not an Overlay 1.0 document"),
        (overlay(), "'actions' must be a non-empty list"),
        ({"overlay": "1.0.0", "info": {"title": "t", "version": "1"}}, "'actions' must be"),
        ({**overlay(), "actions": ["$.info"]}, "action 1: needs a 'target' JSONPath string"),
        (overlay({"update": {}}), "action 1: needs a 'target' JSONPath string"),
        (overlay({"target": "$.info"}), "action 1 (target $.info): needs an 'update' or 'remove"),
        (overlay({"target": "$.info", "remove": "yes"}), "needs an 'update' or 'remove: true'"),
        (overlay({"target": "$", "update": {}}, version="1.1.0"), "not an Overlay 1.0 document"),
        (
            overlay({"target": "$.info[", "update": {}}),
            "action 1 (target $.info[): invalid JSONPath",
        ),
        (overlay({"target": "info", "update": {}}), "invalid JSONPath"),
        (overlay({"target": "$.info", "update": "x"}), "merges an object into an object"),
        (overlay({"target": "$.info.title", "update": "x"}), "target the object that holds it"),
        (overlay({"target": "$", "remove": True}), "cannot remove the document root"),
    ],
)
def test_malformed_overlays_are_errors_naming_the_file(document: Any, message: str) -> None:
    with pytest.raises(SpecError) as caught:
        spec.apply_overlay(spec.slice_spec(upstream()), document, "bad.overlay.yaml")
    assert str(caught.value).startswith("bad.overlay.yaml: ")
    assert message in str(caught.value)
