"""4. Memory: peak RSS of a fresh interpreter after the import and one call.

Bare python, httpx, this package and the official SDK, each in both install profiles
(``bench.children``). How to read the figures: BENCHMARKS.md, section 4.
"""

from __future__ import annotations

import statistics
from typing import Final

from bench.children import PROFILES, child_float
from bench.servers import Server
from bench.settings import API_KEY, AUTH_HEADERS, SDK_MODULE, Settings, log, sdk_installed


def memory_code(key: str, base_url: str) -> str | None:
    if key == "python":
        return "pass\n"
    if key == "httpx":
        return (
            "import httpx\n"
            f"with httpx.Client(headers={AUTH_HEADERS!r}) as c:\n"
            f"    c.get({base_url + '/credits'!r}).json()\n"
        )
    if key == "sdk" and not sdk_installed():
        return None
    module = "openrouter_credits" if key == "package" else SDK_MODULE
    return (
        f"from {module} import OpenRouter\n"
        f"with OpenRouter(api_key={API_KEY!r}, server_url={base_url!r}) as o:\n"
        "    o.credits.get_credits()\n"
    )


MEMORY_ROWS: Final = {
    "python": "bare python (no import, no call)",
    "httpx": "python + httpx: import + one `Client.get().json()`",
    "package": "openrouter_credits: import + one `get_credits()`",
    "sdk": "official `openrouter` SDK: import + one `get_credits()`",
}


# Linux carries a process's ru_maxrss over fork and exec, so a child of this (large) process
# would report this process's peak: read the child's own high-water mark, VmHWM, instead.
PEAK_RSS_KIB: Final = """
import resource, sys
try:
    with open("/proc/self/status") as _f:
        _kib = next(int(_l.split()[1]) for _l in _f if _l.startswith("VmHWM:"))
except (OSError, StopIteration):
    _rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    _kib = _rss // 1024 if sys.platform == "darwin" else _rss
print(_kib)
"""


def peak_rss_mib(code: str, profile: str) -> float:
    return child_float(code + PEAK_RSS_KIB, profile) / 1024


def memory(server: Server, settings: Settings) -> dict[tuple[str, str], float | None]:
    out: dict[tuple[str, str], float | None] = {}
    for key in MEMORY_ROWS:
        code = memory_code(key, server.base_url)
        for profile in PROFILES:
            if code is None:
                out[key, profile] = None
                continue
            log(f"memory: {key} ({profile})")
            out[key, profile] = statistics.median(
                peak_rss_mib(code, profile) for _ in range(settings.memory_runs)
            )
    return out
