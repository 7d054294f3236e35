"""Tests of the documentation: its console examples run, its links resolve, ``make help``."""
