"""Automatic activation at ``import torch_tensorrt``, without a ``.pth`` file.

PyTorch calls every ``torch.backends`` entry point at the end of ``import torch``; this package
registers :func:`install` there. ``install`` costs microseconds, never raises and imports nothing
heavy. It arranges for :func:`trt_plugin_hub.load` to run once ``torch_tensorrt`` has finished
initialising, in both import orders:

* ``import torch`` first: a meta-path finder wraps ``torch_tensorrt``'s loader, and activation
  runs right after the module's code has executed.
* ``import torch_tensorrt`` first: its ``__init__`` imports torch first thing, so this hook runs
  while ``torch_tensorrt`` is half initialised. Activation is deferred until its module code
  returns: on Python >= 3.12 through ``sys.monitoring`` on that one code object; on every
  version also at the first attribute access of the module or the first import after its
  initialisation has finished, whichever comes first.

``TRT_PLUGIN_HUB_AUTOLOAD=0`` (or ``TRT_PLUGIN_HUB_DISABLE=1``) switches this off.
"""

from __future__ import annotations

import os
import sys
import threading
import types
from typing import Any

__all__ = ["install"]

_TARGET = "torch_tensorrt"
_state_lock = threading.Lock()
_installed = False
_triggered = False


def _switched_off() -> bool:
    autoload = os.environ.get("TRT_PLUGIN_HUB_AUTOLOAD", "1").strip().lower()
    disabled = os.environ.get("TRT_PLUGIN_HUB_DISABLE", "0").strip().lower()
    return autoload in ("0", "false", "no", "off") or disabled in ("1", "true", "yes", "on")


def install() -> None:
    """The ``torch.backends`` entry point. Never raises: PyTorch would fail ``import torch``."""
    global _installed
    try:
        if _installed or _switched_off():
            return
        _installed = True
        module = sys.modules.get(_TARGET)
        if module is None:
            sys.meta_path.insert(0, _Finder())
        elif _initializing(module):
            _defer(module)
        else:
            _activate()
    except Exception:  # pragma: no cover - defensive: never break `import torch`
        pass


def _initializing(module: types.ModuleType) -> bool:
    spec = getattr(module, "__spec__", None)
    return bool(getattr(spec, "_initializing", False))


def _activate() -> None:
    """Run ``load()`` once. Strict mode may raise (that is its purpose); nothing else escapes."""
    global _triggered
    with _state_lock:
        if _triggered:
            return
        _triggered = True
    _remove_finders()
    from .errors import StrictModeError

    try:
        from .loader import load

        load()
    except StrictModeError:
        raise
    except Exception:
        import logging

        logging.getLogger("trt_plugin_hub").exception("trt-plugin-hub: automatic plugin loading failed")


def _remove_finders() -> None:
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, (_Finder, _InitWatcher))]


class _Finder:
    """Finds nothing itself; wraps the real loader of ``torch_tensorrt`` when it is imported."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname != _TARGET:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _Loader(spec.loader)
                return spec
        return None


class _Loader:
    """Delegates to the real loader, then activates plugins once the module has executed."""

    def __init__(self, wrapped: Any) -> None:
        self._wrapped = wrapped

    def __getattr__(self, name: str) -> Any:
        return getattr(self._wrapped, name)

    def create_module(self, spec: Any) -> Any:
        return self._wrapped.create_module(spec)

    def exec_module(self, module: types.ModuleType) -> None:
        # Put the real loader back so introspection (importlib.resources...) sees the original.
        module.__loader__ = self._wrapped
        if module.__spec__ is not None:
            module.__spec__.loader = self._wrapped
        self._wrapped.exec_module(module)
        _activate()


# ---- torch_tensorrt half initialised -----------------------------------------------------------


def _defer(module: types.ModuleType) -> None:
    if sys.version_info >= (3, 12):
        _watch_return(module)
    # Fallbacks on every version: the first attribute access or import after initialisation.
    try:
        module.__class__ = _PendingModule
    except TypeError:  # pragma: no cover - a module subclass that forbids it
        pass
    sys.meta_path.insert(0, _InitWatcher(module))


class _PendingModule(types.ModuleType):
    """Module class of a half-initialised ``torch_tensorrt`` until plugins are activated."""

    def __getattribute__(self, name: str) -> Any:
        value = super().__getattribute__(name)
        if not name.startswith("__") and not _triggered and not _initializing(self):
            self.__class__ = types.ModuleType
            _activate()
        return value


class _InitWatcher:
    """A meta-path entry that notices the first import after ``torch_tensorrt`` finished."""

    def __init__(self, module: types.ModuleType) -> None:
        self._module = module

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> None:
        if not _triggered and not _initializing(self._module):
            _restore_class(self._module)
            _activate()
        return None


def _restore_class(module: types.ModuleType) -> None:
    if type(module) is _PendingModule:
        module.__class__ = types.ModuleType


def _watch_return(module: types.ModuleType) -> None:
    """Python >= 3.12: call back when the module's own code returns (one code object only)."""
    filename = getattr(module, "__file__", None)
    frame = sys._getframe()
    code = None
    while frame is not None:
        if frame.f_code.co_name == "<module>" and frame.f_code.co_filename == filename:
            code = frame.f_code
            break
        frame = frame.f_back
    if code is None:
        return
    monitoring = sys.monitoring  # type: ignore[attr-defined]
    tool = next((i for i in range(5, 0, -1) if monitoring.get_tool(i) is None), None)
    if tool is None:
        return
    monitoring.use_tool_id(tool, "trt_plugin_hub")

    def on_return(returned_code: Any, offset: int, retval: Any) -> Any:
        if returned_code is not code:
            return monitoring.DISABLE
        monitoring.set_local_events(tool, code, 0)
        monitoring.register_callback(tool, monitoring.events.PY_RETURN, None)
        monitoring.free_tool_id(tool)
        _restore_class(module)
        _activate()
        return None

    monitoring.register_callback(tool, monitoring.events.PY_RETURN, on_return)
    monitoring.set_local_events(tool, code, monitoring.events.PY_RETURN)
