"""trt-plugin-hub's ``torch.backends`` hook: what ``import torch`` loads of the hub, and nothing more."""

# PyTorch calls every ``torch.backends`` entry point at the end of ``import torch``. The hub's,
# ``_trt_plugin_hub_autoload:hook``, is this one small top-level module rather than a name in the
# ``trt_plugin_hub`` package, so that ``import torch`` does not load the package (its lazy public
# names, its docstrings): the hook costs what Python's import of one small module costs.
#
# When ``torch_tensorrt`` is not imported yet (the common case) it puts this module itself on
# ``sys.meta_path`` as a finder (its ``find_spec``; no class is created at ``import torch``), which
# finds nothing itself and imports ``trt_plugin_hub._autoload`` when ``torch_tensorrt`` is
# imported; otherwise it calls ``trt_plugin_hub._autoload.install`` at once. It never raises:
# PyTorch would fail ``import torch``.
#
# Everything here is paid at every ``import torch``, in the bytes Python reads and unmarshals:
# what only people read is in comments, and the signatures are type comments (type checkers read
# them; Python does not load them).

import sys

#: ``typing.TYPE_CHECKING`` without ``from typing import``, which costs ``import torch`` a few
#: microseconds (type checkers treat any ``TYPE_CHECKING`` as true).
TYPE_CHECKING = False
if TYPE_CHECKING:  # the names the type comments use (the linter reads no type comment)
    from collections.abc import Sequence  # noqa: F401
    from importlib.machinery import ModuleSpec  # noqa: F401
    from types import ModuleType  # noqa: F401

__all__ = ["find_spec", "hook"]

#: This module, as a finder, comes and goes without changing what can be imported: the discovery
#: cache leaves it out of its key.
transient = True
#: Marks the hub's autoload finder (``_autoload.is_hub_finder``; removed once activation has run).
hub_autoload = True
#: Set once the hook has run in this process.
_installed = False


def find_spec(fullname, path=None, target=None):
    # type: (str, Sequence[str] | None, ModuleType | None) -> ModuleSpec | None
    # The finder's only method: nothing but ``torch_tensorrt``, which ``_autoload`` watches.
    if fullname != "torch_tensorrt":
        return None
    from trt_plugin_hub._autoload import find_watched_spec

    return find_watched_spec(fullname, path, target)


def hook():
    # type: () -> None
    # The ``torch.backends`` entry point, run by PyTorch at the end of ``import torch``. Never raises.
    global _installed  # noqa: PLW0603 - a once-per-process flag
    try:
        if _installed:
            return
        _installed = True
        finder = sys.modules[__name__]
        # Already a finder (``_autoload.install`` ran first): ``install`` knows what to do.
        if "torch_tensorrt" in sys.modules or finder in sys.meta_path:
            from trt_plugin_hub._autoload import install

            install()
        else:
            sys.meta_path.insert(0, finder)
    except Exception:  # noqa: BLE001, S110 - never break `import torch`
        pass
