"""Tests of tools/spec.py (docs/maintaining/spec.md): see conftest.py here."""
