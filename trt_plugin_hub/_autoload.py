"""Automatic activation at ``import torch_tensorrt``, without a ``.pth`` file.

PyTorch calls every ``torch.backends`` entry point at the end of ``import torch``; this package
registers ``_trt_plugin_hub_autoload:hook`` there, one small top-level module (not the package):
when ``torch_tensorrt`` is not imported yet it puts a finder on ``sys.meta_path`` that imports
this module once ``torch_tensorrt`` is imported; otherwise it calls :func:`install`. ``install``
(also usable on its own) costs microseconds, never raises and imports nothing heavy. It arranges
for :func:`trt_plugin_hub.load` to run once ``torch_tensorrt`` has finished initialising, in both
import orders:

* ``import torch`` first: a meta-path finder (which finds nothing itself) marks the module spec
  of ``torch_tensorrt`` when it is imported;
* ``import torch_tensorrt`` first: its ``__init__`` imports torch first thing, so this hook runs
  while ``torch_tensorrt`` is half initialised, and marks the spec it already has.

A marked spec notices the import system's final step (``spec._initializing = False``), so
activation runs exactly when ``torch_tensorrt`` has finished initialising and is in
``sys.modules``, and never after a failed import.

``TRT_PLUGIN_HUB_AUTOLOAD=0`` (or ``TRT_PLUGIN_HUB_DISABLE=1``) switches this off. The variables are
read (by :func:`trt_plugin_hub._settings.autoload_enabled`) once ``torch_tensorrt`` has been imported,
when the answer matters: ``import torch`` alone never pays for reading the settings.
"""

from __future__ import annotations

import importlib.machinery
import sys
import threading
import types
from collections.abc import Sequence
from typing import Any

# The finder and its marker belong to the hook module (what `import torch` loads): the module itself
# is the finder.
import _trt_plugin_hub_autoload as _finder

__all__ = ["find_watched_spec", "install", "is_hub_finder"]

_TARGET = "torch_tensorrt"
_state_lock = threading.Lock()
_installed = False
_triggered = False


def install() -> None:
    """The ``torch.backends`` entry point. Never raises: PyTorch would fail ``import torch``."""
    global _installed  # noqa: PLW0603 - a once-per-process flag
    try:
        if _installed:
            return
        _installed = True
        module = sys.modules.get(_TARGET)
        if module is None:
            if not any(is_hub_finder(f) for f in sys.meta_path):
                sys.meta_path.insert(0, _finder)
        elif _initializing(module):
            _defer(module)
        else:
            _activate()
    except Exception:  # noqa: BLE001, S110 - never break `import torch`  # pragma: no cover - defensive
        pass


def is_hub_finder(finder: object) -> bool:
    """Whether ``finder`` is the hub's: its own namespace holds ``hub_autoload``.

    Read from ``__dict__``, not with ``getattr``, which would raise and catch an AttributeError for
    every other finder. A hook module imported again (removed from ``sys.modules``) is found too.
    """
    return getattr(finder, "__dict__", {}).get("hub_autoload") is True


def _initializing(module: types.ModuleType) -> bool:
    spec = getattr(module, "__spec__", None)
    return bool(getattr(spec, "_initializing", False))


def _activate() -> None:
    """Run ``load()`` once if automatic loading is on. Strict mode may raise (its purpose); nothing else escapes."""
    global _triggered  # noqa: PLW0603 - a once-per-process flag, set under _state_lock
    with _state_lock:
        if _triggered:
            return
        _triggered = True
    _remove_finders()
    try:
        from ._settings import autoload_enabled

        if not autoload_enabled():
            return
        from ._pipeline import load_on_import

        load_on_import()
    except Exception as exc:
        # Strict mode's error is raised on purpose; it can only come from a loaded _errors module.
        errors = sys.modules.get("trt_plugin_hub._errors")
        if errors is not None and isinstance(exc, errors.StrictModeError):
            raise
        import logging

        logging.getLogger("trt_plugin_hub").exception("trt-plugin-hub: automatic plugin loading failed")


def _remove_finders() -> None:
    sys.meta_path[:] = [f for f in sys.meta_path if not is_hub_finder(f)]


def find_watched_spec(fullname: str, path: Sequence[str] | None = None,
                      target: types.ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
    """The spec the other finders give for ``torch_tensorrt``, marked to notice the end of its import."""
    for finder in list(sys.meta_path):
        if is_hub_finder(finder) or not hasattr(finder, "find_spec"):
            continue
        spec = finder.find_spec(fullname, path, target)
        if spec is not None:
            _watch_spec(spec)
            return spec
    return None


class _WatchedSpec(importlib.machinery.ModuleSpec):
    """A module spec that notices the import system's last step for its module.

    ``importlib`` sets ``spec._initializing = False`` once the module's code has run and the
    module sits in ``sys.modules`` for good (or the import failed and it was removed): the exact
    moment ``torch_tensorrt`` is fully initialised, on every Python version, at no cost to any
    other import.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)
        if name == "_initializing" and value is False:
            object.__setattr__(self, "__class__", importlib.machinery.ModuleSpec)
            module = sys.modules.get(self.name)
            if module is not None and getattr(module, "__spec__", None) is self:
                _activate()


def _watch_spec(spec: Any) -> None:
    if type(spec) is importlib.machinery.ModuleSpec:
        spec.__class__ = _WatchedSpec


def _defer(module: types.ModuleType) -> None:
    """``torch_tensorrt`` is half initialised (it imported torch first): watch its spec."""
    spec = getattr(module, "__spec__", None)
    if spec is not None:
        _watch_spec(spec)
