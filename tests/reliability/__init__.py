"""The reliability suite: see docs/maintaining/reliability-suite.md, and conftest.py here."""
