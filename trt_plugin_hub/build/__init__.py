"""Temporary: old import paths that ``trt_plugin_hub.validate`` still uses; nothing else may import them.

The PTX build lives in :mod:`trt_plugin_hub.authoring` (build backend
``trt_plugin_hub.authoring.backend``). Delete this package once ``validate`` imports from there.
"""
