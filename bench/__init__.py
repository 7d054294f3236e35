"""Benchmarks for openrouter-credits: ``make bench`` runs them (not part of ``make test``).

``python -m bench`` (from the repository root) measures, in one run against one loopback
server, and prints as Markdown: per call (``bench.per_call``), import time
(``bench.imports``), N concurrent async calls (``bench.concurrency``) and memory
(``bench.memory``), each next to raw httpx and the official ``openrouter`` SDK. The server
is nginx, or the stand-in server as a fallback (``bench.servers``); ``bench.report`` and
``bench.targets`` write the tables. What each figure means, and the results: BENCHMARKS.md.
Nothing is sent anywhere but 127.0.0.1.
"""
