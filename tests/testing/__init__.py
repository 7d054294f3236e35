"""Tests of testing: see CONTRIBUTING.md, "Layout"."""
