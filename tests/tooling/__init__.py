"""Tests of tooling: see CONTRIBUTING.md, "Layout"."""
