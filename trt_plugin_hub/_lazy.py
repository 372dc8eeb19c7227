"""Names a package exports, imported from its submodules on first use (PEP 562).

A package whose ``__init__`` imported all of its submodules would make every import of one
submodule pay for the rest: reading the PTX memo (``_ptx.memo``) needs neither the PTX parser
nor the other artifact checks. A package's ``__getattr__`` imports this module too on its first
call, so importing a submodule alone does not import it either. The top-level package does the
same inline: ``import trt_plugin_hub`` loads one module.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

__all__ = ["export"]


def export(package: str, submodule: str, name: str) -> Any:
    """``name`` of ``package``, from ``package.submodule``: kept in the package's namespace, so asked once.

    Called by the package's ``__getattr__`` for a name of its table (it answers any other name
    itself, without importing this module).
    """
    value = getattr(importlib.import_module(f"{package}.{submodule}"), name)
    sys.modules[package].__dict__[name] = value
    return value
