"""Contract test: the client against Stoplight Prism mocking ``openapi.yaml``.

Prism (``@stoplight/prism-cli``, pinned by package-lock.json; ``make contract-setup``
installs it with ``npm ci``) serves the spec's paths as written (``/credits``, so the
client's ``server_url`` is the bare origin) and validates every request against the spec:
path, method, the declared headers and the ``bearer`` security scheme. With ``--errors``
a violation turns into an error response; it is also named in the ``sl-violations``
response header and in Prism's log. So the client's requests must come back without that
header, and the log must show no violation other than those of the two deliberately bad
requests below, which prove that the check can fail. The mock's answers (the spec's
examples; ``Prefer: code=N`` picks the status) must parse into the documented model or
exception.

Without Node.js, or without Prism installed, the tests are skipped and the reason says so.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from openrouter_credits import GetCreditsResponse, OpenRouter, errors, models
from openrouter_credits.testing import free_port

from ..conftest import stop_process

ROOT = Path(__file__).resolve().parents[2]
PRISM = ROOT / "node_modules" / ".bin" / "prism"
START_TIMEOUT = 60.0
KEY = "sk-or-v1-CONTRACT-0f1e2d3c"
VIOLATIONS_HEADER = "sl-violations"


@dataclass
class Prism:
    origin: str
    log: Path
    process: subprocess.Popen[bytes]
    #: Requests sent on purpose against the spec: each must show up as a violation.
    deliberate_violations: int = 0
    #: The ``sl-violations`` headers seen on the client's responses (should stay empty).
    seen: list[str] = field(default_factory=list)
    #: How many responses the client got.
    client_responses: int = 0

    def record(self, response: httpx.Response) -> None:
        self.client_responses += 1
        if VIOLATIONS_HEADER in response.headers:
            self.seen.append(f"{response.request.url}: {response.headers[VIOLATIONS_HEADER]}")

    async def arecord(self, response: httpx.Response) -> None:
        self.record(response)

    def log_lines(self, text: str) -> list[str]:
        return [line for line in self.log.read_text().splitlines() if text in line]


def _skip_reason() -> str | None:
    if shutil.which("node") is None:
        return "Prism contract test skipped: Node.js not found (install Node.js, then make test)"
    if not PRISM.exists():
        return "Prism contract test skipped: Prism is not installed (run make contract-setup)"
    return None


@pytest.fixture(scope="module")
def prism(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Prism]:
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    log = tmp_path_factory.mktemp("prism") / "prism.log"
    port = free_port()
    args = ["mock", "openapi.yaml", "--host", "127.0.0.1", "--port", str(port), "--errors"]
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(PRISM), *args],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while "Prism is listening on" not in log.read_text():
            if process.poll() is not None:
                pytest.fail(f"Prism exited with {process.returncode}:\n{log.read_text()}")
            if time.monotonic() > deadline:
                pytest.fail(f"Prism did not start within {START_TIMEOUT} s:\n{log.read_text()}")
            time.sleep(0.1)
        yield Prism(origin=f"http://127.0.0.1:{port}", log=log, process=process)
    finally:
        stop_process(process)


@pytest.fixture
async def client(prism: Prism) -> AsyncIterator[OpenRouter]:
    """The client as a user makes it (retries off: each call is one request), with
    httpx clients of ours that note any ``sl-violations`` header."""
    with httpx.Client(event_hooks={"response": [prism.record]}) as sync:
        async with (
            httpx.AsyncClient(event_hooks={"response": [prism.arecord]}) as async_,
            OpenRouter(
                api_key=KEY,
                server_url=prism.origin,
                retry_config=None,
                client=sync,
                async_client=async_,
                http_referer="https://acme.example/app",
                x_open_router_title="Acme Contract Test",
                x_open_router_categories=["cli-agent", "cloud-agent"],
            ) as sdk,
        ):
            yield sdk
    assert not prism.seen, prism.seen


def test_success_parses_into_the_credits_model(client: OpenRouter, prism: Prism) -> None:
    res = client.credits.get_credits()
    assert isinstance(res, GetCreditsResponse)
    assert (res.data.total_credits, res.data.total_usage) == (100.5, 25.75)


async def test_success_async(client: OpenRouter, prism: Prism) -> None:
    res = await client.credits.get_credits_async(x_open_router_categories="cli-agent")
    assert isinstance(res, GetCreditsResponse)
    assert (res.data.total_credits, res.data.total_usage) == (100.5, 25.75)


@pytest.mark.parametrize(
    ("status", "error", "model", "message"),
    [
        (401, errors.UnauthorizedResponseError, models.UnauthorizedResponse, "Missing Auth"),
        (403, errors.ForbiddenResponseError, models.ForbiddenResponse, "Only management keys"),
        (500, errors.InternalServerResponseError, models.InternalServerResponse, "Internal"),
    ],
)
@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_documented_errors_parse_into_their_exception(
    client: OpenRouter,
    mode: str,
    status: int,
    error: type[errors.OpenRouterError],
    model: type[object],
    message: str,
) -> None:
    prefer = {"Prefer": f"code={status}"}
    with pytest.raises(error) as caught:
        if mode == "sync":
            client.credits.get_credits(http_headers=prefer)
        else:
            await client.credits.get_credits_async(http_headers=prefer)
    exc = caught.value
    assert exc.status_code == status
    data = getattr(exc, "data", None)
    assert isinstance(data, model)
    assert data.error.code == status  # type: ignore[attr-defined]
    assert data.error.message.startswith(message)  # type: ignore[attr-defined]
    assert VIOLATIONS_HEADER not in exc.headers


@pytest.mark.parametrize("status", [404, 429, 503])
def test_other_statuses_are_the_default_error(client: OpenRouter, status: int) -> None:
    """``4XX`` and ``5XX`` in the spec: any body; Prism answers with none."""
    with pytest.raises(errors.OpenRouterDefaultError) as caught:
        client.credits.get_credits(http_headers={"Prefer": f"code={status}"})
    assert caught.value.status_code == status


@pytest.mark.parametrize(
    "authorization", [None, "Basic dXNlcjpwYXNz"], ids=["no-header", "basic-scheme"]
)
def test_prism_rejects_a_request_without_bearer_auth(
    prism: Prism, authorization: str | None
) -> None:
    """The negative control: Prism does check auth, and says so in ``sl-violations``."""
    headers = {"Authorization": authorization} if authorization else {}
    prism.deliberate_violations += 1
    response = httpx.get(f"{prism.origin}/credits", headers=headers, timeout=30)
    assert response.status_code == 401
    assert "Invalid security scheme" in response.headers[VIOLATIONS_HEADER]
    assert response.json()["error"]["code"] == 401


def test_the_log_shows_only_the_deliberate_violations(prism: Prism) -> None:
    """Run last (file order): Prism logs each violation, request or response, once, and
    each request that passed its validation: all of the client's did."""
    if not prism.client_responses:
        pytest.skip("no contract test sent a request in this run")
    expected = prism.client_responses + prism.deliberate_violations
    deadline = time.monotonic() + 5
    while len(prism.log_lines("> Responding with")) < expected:
        assert time.monotonic() < deadline, prism.log.read_text()
        time.sleep(0.05)
    time.sleep(0.2)  # a late line for an unexpected violation would show up now
    violations = prism.log_lines("Violation")
    assert len(violations) == prism.deliberate_violations, "\n".join(violations)
    assert all("request Invalid security scheme used" in line for line in violations)
    assert len(prism.log_lines("did not pass the validation rules")) == len(violations)
    passed = prism.log_lines("The request passed the validation rules")
    assert len(passed) == prism.client_responses


def test_the_skip_reason_is_plain(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert _skip_reason() == (
        "Prism contract test skipped: Node.js not found (install Node.js, then make test)"
    )
