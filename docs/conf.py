"""Sphinx configuration for the trt-plugin-hub documentation."""

project = "trt-plugin-hub"
author = "trt-plugin-hub developers"
copyright = "2026, trt-plugin-hub developers"
release = "0.1.0"
extensions = ["sphinx.ext.autodoc"]
autodoc_typehints = "description"
exclude_patterns = ["_build"]
html_theme = "alabaster"
nitpicky = False
