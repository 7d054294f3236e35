"""Blanking the API key out of server-supplied text: bodies, excerpts, parsed error data.

Only text the server (or a gateway in front of it) supplied can quote the key, so only
that is redacted; this package's own messages are left readable. A key of
``ANYWHERE_LENGTH`` characters or more is replaced wherever it occurs. A shorter key (a
test key such as ``k``) is replaced where it stands as a token of its own (not inside a
longer run of token characters), so ``network`` stays ``network`` while ``Bearer k``
becomes ``Bearer [redacted]``. README "Errors" says what users can rely on.
"""

from __future__ import annotations

import re
from typing import Any

import attrs

__all__ = ["REDACTED", "redact", "redact_model"]

REDACTED = "[redacted]"
#: Keys at least this long are redacted wherever they occur (real keys are ~70 characters).
ANYWHERE_LENGTH = 12
# The characters of an RFC 6750 bearer token: a short key is only a match between others.
_TOKEN_CHARS = r"A-Za-z0-9\-._~+/="


def redact(text: str, key: str | None) -> str:
    """``text`` with every quotation of ``key`` replaced by ``[redacted]``."""
    if not key or key not in text:
        return text
    if len(key) >= ANYWHERE_LENGTH:
        return text.replace(key, REDACTED)
    pattern = rf"(?<![{_TOKEN_CHARS}]){re.escape(key)}(?![{_TOKEN_CHARS}])"
    return re.sub(pattern, REDACTED, text)


def redact_model(value: Any, key: str | None) -> Any:
    """``value`` (a generated model, dict, list or str) with ``key`` redacted in place.

    Every string is redacted: fields, nested models, free-form metadata (keys and values)
    and additional properties. Returns ``value`` (a str is returned redacted).
    """
    if not key:
        return value
    if isinstance(value, str):
        return redact(value, key)
    if attrs.has(type(value)):
        for field in attrs.fields(type(value)):
            setattr(value, field.name, redact_model(getattr(value, field.name), key))
    elif isinstance(value, dict):
        items = [(redact(k, key), v) for k, v in value.items()]  # JSON keys are str
        value.clear()
        value.update((k, redact_model(v, key)) for k, v in items)
    elif isinstance(value, list):
        value[:] = [redact_model(item, key) for item in value]
    return value
