"""What a successful call loads: not the error bodies' models, which load with the first
error (and are reachable by name from the start), nor the generated client (the package
calls through its own). In a fresh interpreter, since this one has them loaded already."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from openrouter_credits.testing import Reply, StandInServer

KEY = "sk-or-v1-LAZY-MODELS-SENTINEL-5a5a"

PROBE = """
import sys
from openrouter_credits import OpenRouter, errors

def models():
    prefix = "openrouter_credits._generated.models."
    return sorted(m.removeprefix(prefix) for m in sys.modules if m.startswith(prefix))

with OpenRouter(api_key=sys.argv[2], server_url=sys.argv[1], retry_config=None) as client:
    print("import:", models())
    client.credits.get_credits()
    print("success:", models())
    print("generated client:", "openrouter_credits._generated.client" in sys.modules)
    try:
        client.credits.get_credits()
    except errors.UnauthorizedResponseError as exc:
        print("error:", type(exc.data).__name__, exc.data.error.message)
"""


def test_the_error_models_load_with_the_first_error(server: StandInServer) -> None:
    server.script(Reply(), Reply(401, body={"error": {"code": 401, "message": "No auth"}}))
    result = subprocess.run(
        [sys.executable, "-c", PROBE, server.base_url, KEY],
        env={k: v for k, v in os.environ.items() if k != "OPENROUTER_API_KEY"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stderr) == (0, "")
    success = "['get_credits_data', 'get_credits_response']"
    assert result.stdout.splitlines() == [
        f"import: {success}",
        f"success: {success}",
        "generated client: False",
        "error: UnauthorizedResponse No auth",
    ]


def test_every_model_is_reachable_by_name() -> None:
    from openrouter_credits import models

    for name in models.__all__:
        assert getattr(models, name).__name__ == name


def test_a_name_models_does_not_have_is_an_attribute_error_naming_it() -> None:
    from openrouter_credits import models

    with pytest.raises(AttributeError) as info:
        models.GetCreditsResponses  # noqa: B018
    assert (
        str(info.value)
        == "module 'openrouter_credits.models' has no attribute 'GetCreditsResponses'"
    )
