"""Shared by the tests of tools/spec.py: the repository's paths, a tiny in-memory upstream
description (getCredits plus things that must not be kept), and overlay documents.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
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
                "Pet": {"oneOf": [{"$ref": ref("schemas", "Cat")}]},
                "Cat": {"type": "object"},
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


def overlay(*actions: dict[str, Any], version: Any = "1.0.0") -> dict[str, Any]:
    return {"overlay": version, "info": {"title": "t", "version": "1"}, "actions": list(actions)}


def write_yaml(path: Path, data: Any) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


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
