"""The official SDK's README example (``credits.get_credits()``) as a script."""

import os
import sys

from openrouter import OpenRouter

with OpenRouter(api_key=os.getenv("OPENROUTER_API_KEY", ""), server_url=sys.argv[1]) as client:
    print(client.credits.get_credits())
