"""Success bodies checked against the schema, below the top level too: a body that is
not the credits JSON is a ResponseValidationError naming what is wrong by JSON path and
JSON type; unknown fields are kept. Then the checker itself (``_checks``), on models the
spec may grow. Documented error bodies: test_errors.py.

The generated models take a JSON array of pairs for an object and ``"abc"`` for a number;
the client must not.
"""

from __future__ import annotations

from typing import Any, Literal

import attrs
import pytest
from openrouter_credits import OpenRouter, errors
from openrouter_credits._checks import ModelMismatch, check_json
from openrouter_credits.models import ForbiddenResponseErrorData, GetCreditsResponse
from openrouter_credits.testing import Reply, StandInServer

from ..conftest import SECRET, client, raises


def get(server: StandInServer, reply: Reply) -> Any:
    server.default = reply
    with OpenRouter(api_key=SECRET, server_url=server.base_url, retry_config=None) as sdk:
        return sdk.credits.get_credits()


def failure(server: StandInServer, reply: Reply, kind: type[BaseException]) -> Any:
    with pytest.raises(kind) as info:
        get(server, reply)
    return info.value


# --- success bodies -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ([["data", {"total_credits": 1, "total_usage": 0}]], "$ should be an object, got an array"),
        ({"data": [["total_credits", 1], ["total_usage", 0]]}, "$.data should be an object"),
        ({"data": {"total_credits": "1", "total_usage": 0}}, "$.data.total_credits should be"),
        ({"data": {"total_credits": 1, "total_usage": True}}, "$.data.total_usage should be"),
        ({"data": {"total_credits": 1}}, "$.data.total_usage is required but missing"),
        ({"data": {"total_credits": 1e400, "total_usage": 0}}, "$.data.total_credits"),
        ({"data": {"total_credits": 10**400, "total_usage": 0}}, "credits should be a number"),
        # JSON that is not an object at all: a path and a JSON type, no Python text
        (b"true", "$ should be an object, got a boolean"),
        (b"null", "$ should be an object, got null"),
        ({"data": 5}, "$.data should be an object, got a number"),
        ({"data": None}, "$.data should be an object, got null"),
        (b"", "invalid JSON (Expecting value at position 0)"),
    ],
)
def test_success_body_of_the_wrong_shape_is_a_validation_error(
    server: StandInServer, body: Any, why: str
) -> None:
    error = failure(server, Reply(body=body), errors.ResponseValidationError)
    assert why in str(error)
    assert str(error).startswith("HTTP 200 but the body is not the documented credits JSON: ")
    assert error.status_code == 200
    assert isinstance(error.__cause__, ValueError | KeyError | TypeError)


def test_integers_and_extra_fields_are_accepted(server: StandInServer) -> None:
    body = {
        "data": {"total_credits": 10, "total_usage": 2.5, "new": [1]},
        "more": {"a": 1},
        "additional_properties": 1,  # the models' own name for the rest: just another field
    }
    res = get(server, Reply(body=body))
    assert (res.data.total_credits, res.data.total_usage) == (10, 2.5)
    assert res.data.additional_properties == {"new": [1]}
    assert res.additional_properties == {"more": {"a": 1}, "additional_properties": 1}
    assert (res.data["new"], res["more"]) == ([1], {"a": 1})  # as the official models read


def test_oversized_success_body_is_refused(server: StandInServer, mode: str) -> None:
    server.default = Reply(body=b" " * (2 << 20), content_type="application/json")
    with client(server) as sdk:
        error = raises(mode, sdk, errors.ResponseValidationError)
    assert "limit" in str(error)
    assert len(server.requests) == 1


def test_invalid_json_names_the_position(server: StandInServer, mode: str) -> None:
    server.default = Reply(body=b'{"data": ', content_type="application/json")
    with client(server) as sdk:
        error = raises(mode, sdk, errors.ResponseValidationError)
    assert "invalid JSON (Expecting value at position 9)" in str(error)
    assert isinstance(error.__cause__, ValueError)


def test_undecodable_text_is_named(server: StandInServer) -> None:
    body = b'{"data": "\xff\xfe"}'
    reply = Reply(body=body, content_type="application/json; charset=utf-8")
    error = failure(server, reply, errors.ResponseValidationError)
    assert (
        "JSON: the body is not valid text in its declared charset 'utf-8' (byte 10); HTTP 200 OK"
        in str(error)
    )


def test_deeply_nested_json_is_named(server: StandInServer) -> None:
    body = b'{"data": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    reply = Reply(body=body, content_type="application/json")
    error = failure(server, reply, errors.ResponseValidationError)
    assert "credits JSON: the JSON is nested too deeply; HTTP 200 OK" in str(error)


# --- the checker for properties the spec may grow -----------------------------------------
# The checks are worked out from the generated classes' annotations, so a property added
# to openapi.yaml is checked without code changes. The current spec has no list, dict or
# Any property: these stand-in models have one of each.


@attrs.define
class _Inner:
    n: int


@attrs.define
class _Grown:
    tags: list[int]
    extra: dict[str, Any]
    anything: Any
    inner: _Inner
    maybe: _Inner | None
    label: str
    additional_properties: dict[str, Any] = attrs.field(factory=dict)


#: _Grown's JSON, every required field there.
_RAW: dict[str, Any] = {
    "tags": [],
    "extra": {},
    "anything": None,
    "inner": {"n": 1},
    "maybe": None,
    "label": "l",
}


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"tags": [1, "2"]}, "$.tags should be an array, each an integer, got an array"),
        ({"extra": [["a", 1]]}, "$.extra should be an object, got an array"),
        ({"inner": {"n": True}}, "$.inner.n should be an integer, got a boolean True"),
        ({"maybe": {"n": "1"}}, "$.maybe.n should be an integer, got a string '1'"),
        ({"maybe": "x" * 100}, f"$.maybe should be an object or null, got a string '{'x' * 59}…"),
        ({"label": 5.5}, "$.label should be a string, got a number 5.5"),
        ({"maybe": "x" * 58}, f"$.maybe should be an object or null, got a string '{'x' * 58}'"),
        ({"inner": None}, "$.inner should be an object, got null"),
        ({"inner": [["n", 1]]}, "$.inner should be an object, got an array"),
        ({"label": 5}, "$.label should be a string, got a number 5"),
        ({"label": None}, "$.label should be a string, got null"),
    ],
)
def test_checker_names_the_mistyped_field(changes: dict[str, Any], why: str) -> None:
    with pytest.raises(ModelMismatch) as info:
        check_json({**_RAW, **changes}, _Grown)
    assert str(info.value) == why


@attrs.define
class _Odd:
    odd: Literal["x"]


def test_checker_accepts_well_typed_values_and_refuses_unknown_annotations() -> None:
    check_json(_RAW, _Grown)
    check_json(
        {**_RAW, "tags": [1], "extra": {"a": [1]}, "anything": [{}], "maybe": {"n": 2}}, _Grown
    )
    with pytest.raises(ModelMismatch) as info:
        check_json({"odd": "x"}, _Odd)  # an annotation the checker does not know matches nothing
    assert str(info.value) == "$.odd should be a value of another type, got a string 'x'"
    with pytest.raises(ModelMismatch, match=r"^\$\.label is required but missing$"):
        check_json({k: v for k, v in _RAW.items() if k != "label"}, _Grown)


@attrs.define
class _Sparse:
    first: int | None = None
    second: int = attrs.field(kw_only=True)


def test_checker_goes_on_past_a_missing_optional_field() -> None:
    check_json({"second": 2}, _Sparse)
    with pytest.raises(ModelMismatch, match=r"^\$\.second should be an integer, got a string"):
        check_json({"second": "2"}, _Sparse)


@attrs.define
class _Outer:
    grown: _Grown


def test_checker_names_the_whole_path_of_a_nested_pair_list() -> None:
    raw = {"grown": {**_RAW, "inner": [["n", 1]]}}
    with pytest.raises(
        ModelMismatch, match=r"^\$\.grown\.inner should be an object, got an array$"
    ):
        check_json(raw, _Outer)


def test_checker_turns_integers_into_floats_only_in_float_fields() -> None:
    # As pydantic does: a JSON integer in a float field reads as a float.
    raw = {"data": {"total_credits": 10, "total_usage": 2.5}}
    check_json(raw, GetCreditsResponse)
    assert raw == {"data": {"total_credits": 10.0, "total_usage": 2.5}}
    assert type(raw["data"]["total_credits"]) is float
    grown = {**_RAW, "inner": {"n": 1}, "tags": [1, 2]}
    check_json(grown, _Grown)
    assert (type(grown["inner"]["n"]), grown["tags"]) == (int, [1, 2])


def test_checker_names_a_generated_union_in_json_types() -> None:
    raw = {"code": 403, "message": "no", "metadata": "text"}
    with pytest.raises(ModelMismatch) as info:
        check_json(raw, ForbiddenResponseErrorData)
    assert str(info.value) == "$.metadata should be an object or null, got a string 'text'"
