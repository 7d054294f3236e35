"""Tests of http: see CONTRIBUTING.md, "Layout"."""
