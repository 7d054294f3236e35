"""Tests of tools/spec.py (README.md, "The API description"): see conftest.py here."""
