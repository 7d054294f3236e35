"""Tests of shipping: see CONTRIBUTING.md, "Layout"."""
