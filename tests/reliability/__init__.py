"""The reliability suite: see README.md, "Reliability", and conftest.py here."""
