"""The client's defaults and limits: server, timeout, body size, connections, environment
variables, logger name. Nothing here does anything; the modules that use a value import it
from here. The retry policy's defaults are public, as in the official SDK
(``retries.DEFAULT_RETRY_CONFIG``); the commands' own (the plugin's deadline, the table's
decimals, exit statuses) are in ``cli/``, the stand-in server's in ``testing/``.
"""

from __future__ import annotations

from typing import Final

#: The production server, as openapi.yaml's ``servers`` gives it.
DEFAULT_SERVER_URL: Final = "https://openrouter.ai/api/v1"
#: Per-attempt timeout when neither the client nor the call sets one (and no client of
#: yours is used): nothing waits forever.
DEFAULT_TIMEOUT_MS: Final = 30_000
#: A larger response body (on the wire, or once decoded) is refused.
MAX_BODY_BYTES: Final = 1 << 20
#: A content-encoded body is handed to the decoder in pieces this small, so one decoder
#: step yields at most ~256 KiB (deflate's ratio) and a gzip bomb is stopped in time.
DECODE_PIECE_BYTES: Final = 256
#: Where the key comes from when ``api_key`` is not given.
API_KEY_ENV: Final = "OPENROUTER_API_KEY"
#: Connections per client: as many kept idle as may be open, so a burst of concurrent
#: calls reuses them instead of churning (httpx keeps only 20 idle by default).
MAX_CONNECTIONS: Final = 100
#: The logger every record of this package goes to (retries at INFO).
LOGGER_NAME: Final = "openrouter_credits"
#: How much of a response body an error message quotes.
BODY_EXCERPT_CHARS: Final = 200
#: The official SDK's named servers (openapi.yaml's ``servers``), for ``server=``.
SERVERS: Final = {"production": DEFAULT_SERVER_URL}
#: Set (to anything non-empty) and no ``debug_logger`` given: debug records go to the
#: package logger, and logging is configured at DEBUG, as in the official SDK.
DEBUG_ENV: Final = "OPENROUTER_DEBUG"
