"""The scenario table: one row per fault a user can meet, each run through ``get_credits``
and ``get_credits_async`` by test_scenarios.py (docs/maintaining/reliability-suite.md lists them).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Final

from openrouter_credits import BackoffStrategy, GetCreditsResponse, RetryConfig, errors
from openrouter_credits.testing import Fault, Reply

from .rows import GAP_SLACK, LIMIT, Scenario, https, policy_waits, raw, redirect, refused, stand_in
from .servers import (
    HUGE,
    SMALL_CREDITS,
    respond_gzip_bomb,
    respond_huge_chunked,
    respond_huge_until_close,
    respond_not_http,
)

JSON: Final = "application/json"
HTML: Final = "text/html"
NGINX_502: Final = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)
CLOUDFLARE_503: Final = (
    "<!DOCTYPE html><html><head><title>Service Unavailable</title></head><body>"
    "<h1>503 Service Temporarily Unavailable</h1><p>cloudflare</p></body></html>"
)
AWS_504: Final = (
    "<HTML><HEAD><META HTTP-EQUIV='Content-Type' CONTENT='text/html; charset=iso-8859-1'>"
    "<TITLE>ERROR: The request could not be satisfied</TITLE></HEAD><BODY>"
    "<H1>504 Gateway Timeout ERROR</H1></BODY></HTML>"
)
LOGIN_PAGE: Final = "<!doctype html><html><body><form>Sign in to continue</form></body></html>"
RATE_LIMITED: Final = {"error": {"code": 429, "message": "Rate limit exceeded"}}

#: Real-wait policy: backoff 20 ms x 1.5^n, waits capped at 300 ms.
FAST: Final = RetryConfig("backoff", BackoffStrategy(20, 300, 1.5, 60_000), True)
#: Real-wait policy with room for a 1 s Retry-After.
ROOMY: Final = RetryConfig("backoff", BackoffStrategy(20, 2_000, 1.5, 60_000), True)
#: A 2 s budget: a longer server-requested wait is never started.
SHORT_BUDGET: Final = RetryConfig("backoff", BackoffStrategy(20, 60_000, 1.5, 2_000), True)
IN_AN_HOUR: Final = format_datetime(datetime.now(UTC) + timedelta(hours=1), usegmt=True)
FAST_BACKOFF: Final = policy_waits(FAST, 1)
BACKOFF_GAP: Final = (0.0, FAST_BACKOFF[0] + GAP_SLACK)


SCENARIOS: Final[tuple[Scenario, ...]] = (
    # -- the wire -----------------------------------------------------------------------
    Scenario("connection-refused", refused, errors.APIConnectionError, 0, client_attempts=3),
    Scenario(
        "reset-before-any-response",
        stand_in(default=Reply(fault=Fault.RESET)),
        errors.APIConnectionError,
        3,
    ),
    Scenario("reset-then-success", stand_in(Reply(fault=Fault.RESET)), GetCreditsResponse, 2),
    Scenario(
        "close-after-headers",
        stand_in(default=Reply(fault=Fault.CLOSE_AFTER_HEADERS)),
        errors.APIConnectionError,
        3,
    ),
    Scenario(
        "close-mid-body",
        stand_in(default=Reply(fault=Fault.CLOSE_MID_BODY)),
        errors.APIConnectionError,
        3,
    ),
    Scenario(
        "content-length-larger-than-body",
        stand_in(default=Reply(fault=Fault.SHORT_BODY)),
        errors.APIConnectionError,
        3,
    ),
    Scenario(
        "headers-never-come",
        stand_in(default=Reply(fault=Fault.NO_HEADERS)),
        errors.APITimeoutError,
        3,
        timeout_ms=200,
        min_wall=3 * 0.2 * 0.95,
        message="timed out after 3 attempts",
    ),
    Scenario(
        "body-bytes-slower-than-the-timeout",
        stand_in(default=Reply(fault=Fault.TRICKLE, trickle_interval=0.5)),
        errors.APITimeoutError,
        3,
        timeout_ms=200,
        min_wall=3 * 0.2 * 0.95,
    ),
    Scenario(
        "body-trickles-past-the-timeout",
        stand_in(default=Reply(body=SMALL_CREDITS, fault=Fault.TRICKLE, trickle_interval=0.03)),
        errors.APITimeoutError,
        3,
        timeout_ms=100,
    ),
    Scenario("not-http-at-all", raw(respond_not_http), errors.APIConnectionError, 3),
    Scenario("slow-but-in-time", stand_in(Reply(delay=0.2)), GetCreditsResponse, 1),
    # -- success status, body not the credits ------------------------------------------
    Scenario(
        "200-html-page",
        stand_in(Reply(body=LOGIN_PAGE, content_type=HTML)),
        errors.ResponseValidationError,
        1,
        message="text/html",
    ),
    Scenario(
        "200-empty-body",
        stand_in(Reply(body=b"", content_type=JSON)),
        errors.ResponseValidationError,
        1,
        message="invalid JSON",
    ),
    Scenario(
        "200-invalid-json",
        stand_in(Reply(body='{"data": {"total_credits": 1,', content_type=JSON)),
        errors.ResponseValidationError,
        1,
        message="invalid JSON",
    ),
    Scenario(
        "200-wrong-types",
        stand_in(Reply(body={"data": {"total_credits": "100.5", "total_usage": None}})),
        errors.ResponseValidationError,
        1,
        message="should be a number",
    ),
    Scenario(
        "200-missing-required-field",
        stand_in(Reply(body={"data": {"total_credits": 1}})),
        errors.ResponseValidationError,
        1,
        message="$.data.total_usage is required but missing",
    ),
    Scenario(
        "200-extra-unknown-fields",
        stand_in(
            Reply(
                body={
                    "data": {"total_credits": 9, "total_usage": 1.5, "bonus": {"x": [1, None]}},
                    "meta": {"version": 2},
                }
            )
        ),
        GetCreditsResponse,
        1,
    ),
    Scenario(
        "200-non-utf8-bytes",
        stand_in(Reply(body=b'{"data": "\xff\xfe\xfa"}', content_type=JSON)),
        errors.ResponseValidationError,
        1,
    ),
    Scenario(
        "200-nan-and-infinity",
        stand_in(
            Reply(body=b'{"data":{"total_credits":NaN,"total_usage":Infinity}}', content_type=JSON)
        ),
        errors.ResponseValidationError,
        1,
    ),
    Scenario("200-gzip-body", stand_in(Reply(fault=Fault.GZIP)), GetCreditsResponse, 1),
    Scenario(
        "200-gzip-declared-plain-sent",
        stand_in(Reply(headers={"Content-Encoding": "gzip"})),
        errors.ResponseValidationError,
        1,
        message="Content-Encoding",
    ),
    Scenario(
        "200-5MiB-with-content-length",
        stand_in(Reply(body=HUGE, content_type=JSON)),
        errors.ResponseValidationError,
        1,
        message=LIMIT,
    ),
    Scenario(
        "503-5MiB-page-retried",
        stand_in(default=Reply(503, HUGE, content_type=HTML)),
        errors.ResponseValidationError,
        3,
        message=LIMIT,
    ),
    Scenario(
        "200-5MiB-chunked",
        raw(respond_huge_chunked),
        errors.ResponseValidationError,
        1,
        message=LIMIT,
    ),
    Scenario(
        "200-5MiB-until-close",
        raw(respond_huge_until_close),
        errors.ResponseValidationError,
        1,
        message=LIMIT,
    ),
    Scenario(
        "200-gzip-bomb-32MiB",
        raw(respond_gzip_bomb),
        errors.ResponseValidationError,
        1,
        message=LIMIT,
    ),
    Scenario(
        "200-number-beyond-float-range",
        stand_in(
            Reply(
                body=b'{"data":{"total_credits":' + b"9" * 400 + b',"total_usage":1}}',
                content_type=JSON,
            )
        ),
        errors.ResponseValidationError,
        1,
    ),
    Scenario(
        "200-deeply-nested-json",
        stand_in(Reply(body=b"[" * 100_000, content_type=JSON)),
        errors.ResponseValidationError,
        1,
    ),
    Scenario(
        "401-deeply-nested-json",
        stand_in(Reply(status=401, body=b'{"error":' + b"[" * 100_000, content_type=JSON)),
        errors.UnauthorizedResponseError,
        1,
    ),
    Scenario(
        "200-json-array-of-pairs",
        stand_in(Reply(body=[["data", [["total_credits", 1], ["total_usage", 2]]]])),
        errors.ResponseValidationError,
        1,
    ),
    Scenario(
        "200-body-not-in-its-declared-charset",
        stand_in(Reply(body=b'{"data": 1}', content_type="application/json; charset=utf-16")),
        errors.ResponseValidationError,
        1,
    ),
    Scenario(
        "503-with-a-non-text-charset",
        stand_in(default=Reply(503, "Service Unavailable", content_type="text/plain; charset=hex")),
        errors.OpenRouterDefaultError,
        3,
    ),
    # -- proxies and overload ------------------------------------------------------------
    Scenario(
        "502-nginx-html",
        stand_in(default=Reply(502, NGINX_502, {"Server": "nginx"}, HTML)),
        errors.OpenRouterDefaultError,
        3,
        message="502 Bad Gateway",
    ),
    Scenario(
        "503-cloudflare-html",
        stand_in(
            default=Reply(503, CLOUDFLARE_503, {"Server": "cloudflare"}, "text/html; charset=UTF-8")
        ),
        errors.OpenRouterDefaultError,
        3,
        message="503 Service Unavailable",
    ),
    Scenario(
        "504-cloudfront-html",
        stand_in(default=Reply(504, AWS_504, {"Server": "CloudFront"}, HTML)),
        errors.OpenRouterDefaultError,
        3,
        message="504 Gateway Timeout",
    ),
    Scenario(
        "503-then-success",
        stand_in(Reply(503, CLOUDFLARE_503, content_type=HTML)),
        GetCreditsResponse,
        2,
    ),
    Scenario(
        "500-html-page",
        stand_in(
            default=Reply(500, NGINX_502.replace("502 Bad Gateway", "500"), content_type=HTML)
        ),
        errors.InternalServerResponseError,
        3,
        message="not the documented error JSON",
    ),
    Scenario("408-then-success", stand_in(Reply(408)), GetCreditsResponse, 2),
    Scenario(
        "run-of-429s",
        stand_in(default=Reply(429, RATE_LIMITED)),
        errors.OpenRouterDefaultError,
        3,
        message="429 Too Many Requests",
    ),
    # -- Retry-After: real waits, measured between the server's requests ----------------
    Scenario(
        "retry-after-seconds",
        stand_in(Reply(429, RATE_LIMITED, {"Retry-After": "1"})),
        GetCreditsResponse,
        2,
        retry=ROOMY,
        waits=policy_waits(ROOMY, 1, hint=1.0),
        gap=(0.98, 1.0 + GAP_SLACK),
    ),
    Scenario(
        "retry-after-http-date",
        stand_in(Reply(429, RATE_LIMITED, {"Retry-After": IN_AN_HOUR})),
        GetCreditsResponse,
        2,
        retry=FAST,
        waits=policy_waits(FAST, 1, hint=3600.0),
        gap=(0.28, 0.3 + GAP_SLACK),
    ),
    Scenario(
        "retry-after-http-date-in-the-past",
        stand_in(Reply(503, headers={"Retry-After": "Sat, 01 Jan 2000 00:00:00 GMT"})),
        GetCreditsResponse,
        2,
        retry=FAST,
        waits=policy_waits(FAST, 1, hint=0.0),
        gap=(0.0, GAP_SLACK),
    ),
    Scenario(
        "retry-after-negative",
        stand_in(Reply(429, RATE_LIMITED, {"Retry-After": "-5"})),
        GetCreditsResponse,
        2,
        retry=FAST,
        waits=FAST_BACKOFF,
        gap=BACKOFF_GAP,
    ),
    Scenario(
        "retry-after-garbage",
        stand_in(Reply(429, RATE_LIMITED, {"Retry-After": "soon, maybe"})),
        GetCreditsResponse,
        2,
        retry=FAST,
        waits=FAST_BACKOFF,
        gap=BACKOFF_GAP,
    ),
    Scenario(
        "retry-after-not-finite",
        stand_in(Reply(503, headers={"Retry-After": "inf", "retry-after-ms": "nan"})),
        GetCreditsResponse,
        2,
        retry=FAST,
        waits=FAST_BACKOFF,
        gap=BACKOFF_GAP,
    ),
    Scenario(
        "retry-after-absurdly-large",
        stand_in(Reply(429, RATE_LIMITED, {"Retry-After": "999999999"})),
        GetCreditsResponse,
        2,
        retry=FAST,
        waits=policy_waits(FAST, 1, hint=999999999.0),
        gap=(0.28, 0.3 + GAP_SLACK),
    ),
    Scenario(
        "retry-after-ms",
        stand_in(Reply(429, RATE_LIMITED, {"retry-after-ms": "250"})),
        GetCreditsResponse,
        2,
        retry=FAST,
        waits=policy_waits(FAST, 1, hint=0.25),
        gap=(0.23, 0.25 + GAP_SLACK),
    ),
    Scenario(
        "retry-after-past-the-budget",
        stand_in(default=Reply(429, RATE_LIMITED, {"Retry-After": "30"})),
        errors.OpenRouterDefaultError,
        1,
        retry=SHORT_BUDGET,
        message="429",
    ),
    Scenario(
        "retry-after-date-with-huge-zone-offset",
        stand_in(
            Reply(
                429,
                RATE_LIMITED,
                {"Retry-After": "Mon, 01 Jan 2024 00:00:00 +99999999999999999999"},
            )
        ),
        GetCreditsResponse,
        2,
        retry=FAST,
        waits=FAST_BACKOFF,
        gap=BACKOFF_GAP,
    ),
    # -- redirects to another host: never followed, the key never goes there ------------
    *(
        Scenario(
            f"redirect-{status}-to-another-host",
            redirect(status),
            errors.OpenRouterDefaultError,
            1,
            message="not followed",
        )
        for status in (301, 302, 307, 308)
    ),
    Scenario(
        "redirect-307-with-a-client-that-follows",
        redirect(307, follow=True),
        errors.OpenRouterDefaultError,
        1,
        message="not followed",
    ),
    # -- TLS -----------------------------------------------------------------------------
    Scenario(
        "tls-untrusted-certificate",
        https(trusted=False),
        errors.APIConnectionError,
        1,
        message="certificate",
    ),
    Scenario("tls-certificate-trusted-via-client", https(trusted=True), GetCreditsResponse, 1),
)
