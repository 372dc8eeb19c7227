"""Sphinx configuration for the trt-plugin-hub documentation.

The build is nitpicky (``-n``): every cross-reference must resolve. The public objects are defined
in private modules (``trt_plugin_hub._report.Report`` is documented as ``trt_plugin_hub.Report``);
:func:`_public_name` sends a reference to the private definition to the public name, so type
annotations link to the documented objects.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

project = "trt-plugin-hub"
author = "trt-plugin-hub developers"
copyright = "2026, trt-plugin-hub developers"
release = "0.1.0"
extensions = ["sphinx.ext.autodoc"]
autodoc_typehints = "description"
autodoc_member_order = "bysource"
exclude_patterns = ["_build"]
html_theme = "alabaster"
nitpicky = True

#: The public modules, whose ``__all__`` names are the documented objects.
_PUBLIC_MODULES = ("trt_plugin_hub", "trt_plugin_hub.aot", "trt_plugin_hub.authoring",
                   "trt_plugin_hub.authoring.backend", "trt_plugin_hub.cli", "trt_plugin_hub.verify")

# Targets outside this project: the standard library. The build runs offline, so intersphinx
# cannot fetch Python's inventory; these references stay plain text. Never a project name here.
nitpick_ignore = [
    ("py:class", "pathlib.Path"),
    ("py:class", "Path"),  # pathlib.Path as a written-out __init__ annotates it (Settings.cache_dir)
    ("py:class", "collections.abc.Callable"),
    ("py:class", "collections.abc.Iterable"),
    ("py:class", "collections.abc.Mapping"),
    ("py:class", "collections.abc.Sequence"),
    ("py:mod", "ast"),
    ("py:mod", "logging"),
    ("py:class", "_pytest.config.argparsing.Parser"),  # pytest documents it as pytest.Parser
]


def _public_names() -> dict[str, str]:
    """Names that reach a documented object -> its documented name.

    ``module.qualname`` of each exported object's definition, and ``module.name`` of an object a
    public module re-exports from the root package (the exceptions in ``trt_plugin_hub.authoring``),
    which is documented once, under its root name.
    """
    root = importlib.import_module("trt_plugin_hub")
    documented = {id(getattr(root, name)): f"trt_plugin_hub.{name}" for name in root.__all__}
    names: dict[str, str] = {}
    for module_name in _PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            obj = getattr(module, name)
            public = documented.get(id(obj), f"{module_name}.{name}")
            names.setdefault(f"{module_name}.{name}", public)
            names.setdefault(f"{getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', '')}", public)
    return {name: public for name, public in names.items() if name != public}


def _public_name(app, env, node, contnode):
    """Resolve a reference to a private definition or a re-export through the documented name."""
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "")
    public = _PUBLIC.get(target)
    if public is None and "." not in target and node.get("py:module"):
        public = _PUBLIC.get(f"{node['py:module']}.{target}")
    if public is None:
        return None
    return env.get_domain("py").resolve_xref(env, node["refdoc"], app.builder, node["reftype"], public, node,
                                             contnode)


_PUBLIC = _public_names()


def setup(app):
    app.connect("missing-reference", _public_name)
