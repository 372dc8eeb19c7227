"""Names a package exports, imported from its submodules on first use (PEP 562).

A package whose ``__init__`` imported all of its submodules would make every import of one
submodule pay for the rest: the warm path at ``import torch_tensorrt`` needs
``_ptx.memo`` and ``_environment.gpu`` only, not the PTX parser or the environment probe. A
package's ``__getattr__`` imports this module too on its first call, so importing a submodule
alone does not import it either. The top-level package does the same inline: ``import
trt_plugin_hub`` loads one module.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["exports"]


def exports(package: str, table: Mapping[str, str]) -> Callable[[str], Any]:
    """The ``__getattr__`` of ``package``: each name in ``table`` from the submodule it maps to."""
    namespace = importlib.import_module(package).__dict__

    def __getattr__(name: str) -> Any:  # noqa: N807 - the module attribute hook's own name
        submodule = table.get(name)
        if submodule is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{submodule}"), name)
        namespace[name] = value
        return value

    return __getattr__
