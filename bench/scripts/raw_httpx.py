"""The floor of a whole command run: raw httpx, the same request and output as ``--json``."""

import json
import os
import sys

import httpx

key = os.environ["OPENROUTER_API_KEY"]
response = httpx.get(sys.argv[1] + "/credits", headers={"Authorization": f"Bearer {key}"})
data = response.raise_for_status().json()["data"]
print(json.dumps({**data, "remaining": data["total_credits"] - data["total_usage"]}))
