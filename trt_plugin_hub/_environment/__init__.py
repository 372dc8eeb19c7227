"""The environment stage: what is installed and which GPU is present, or another host's description.

Found without importing TensorRT or initialising CUDA: :func:`probe_environment` reads versions
from distribution metadata (or from a module that is already imported), the driver and GPU from
NVML through ``ctypes`` (NVML does not create a CUDA context), and never raises.
:func:`parse_target` builds the same :class:`Environment` for a host that is not this one, so the
decisions can be asked about a production GPU from a laptop.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .metadata import (
        answers_unsaved,
        exported_answers,
        seed_answers,
    )
    from .model import (
        Environment,
    )
    from .probe import (
        TENSORRT_DISTRIBUTIONS,
        TORCH_TENSORRT_DISTRIBUTIONS,
        probe_environment,
    )
    from .target import (
        current_environment,
        parse_target,
    )

__all__ = ["TENSORRT_DISTRIBUTIONS", "TORCH_TENSORRT_DISTRIBUTIONS", "Environment", "answers_unsaved",
           "current_environment", "exported_answers", "parse_target", "probe_environment", "seed_answers"]

#: Each name -> the submodule that defines it, imported on first use.
_LAZY = {
    "answers_unsaved": "metadata",
    "exported_answers": "metadata",
    "seed_answers": "metadata",
    "Environment": "model",
    "TENSORRT_DISTRIBUTIONS": "probe",
    "TORCH_TENSORRT_DISTRIBUTIONS": "probe",
    "probe_environment": "probe",
    "current_environment": "target",
    "parse_target": "target",
}


def __getattr__(name: str) -> Any:
    """Each name of ``_LAZY`` from its submodule, on first use.

    The lazy-export helper is itself imported here, on first use: importing one submodule imports
    this package and nothing more.
    """
    if name not in _LAZY:  # a submodule not imported yet (``from . import probe`` asks here first), or none
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from trt_plugin_hub._lazy import export

    return export(__name__, _LAZY[name], name)
