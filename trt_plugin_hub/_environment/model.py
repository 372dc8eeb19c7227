"""The environment the decisions are made against: versions, driver and GPU."""

from __future__ import annotations

import re
from dataclasses import field

from trt_plugin_hub._cachefile import check_text
from trt_plugin_hub._record import Frozen, record

__all__ = ["Environment", "environment_from_dict"]


@record
class Environment(Frozen):
    """Versions and hardware the decisions are made against.

    ``None`` means "not installed" for versions and "no GPU found" for the GPU fields. ``notes``
    says where each value came from, for ``explain``.
    """

    python: str
    tensorrt: str | None = None
    tensorrt_distribution: str | None = None
    tensorrt_has_qdp: bool = True
    torch: str | None = None
    torch_tensorrt: str | None = None
    numpy: str | None = None
    driver: str | None = None
    cuda_driver_version: tuple[int, int] | None = None
    compute_capability: tuple[int, int] | None = None
    gpu_name: str | None = None
    is_target: bool = False
    notes: tuple[str, ...] = field(default=(), compare=False)

    def __init__(self, python: str, tensorrt: str | None = None, tensorrt_distribution: str | None = None,
                 tensorrt_has_qdp: bool = True, torch: str | None = None, torch_tensorrt: str | None = None,
                 numpy: str | None = None, driver: str | None = None,
                 cuda_driver_version: tuple[int, int] | None = None, compute_capability: tuple[int, int] | None = None,
                 gpu_name: str | None = None, is_target: bool = False, notes: tuple[str, ...] = ()) -> None:
        setting = object.__setattr__
        setting(self, "python", python)
        setting(self, "tensorrt", tensorrt)
        setting(self, "tensorrt_distribution", tensorrt_distribution)
        setting(self, "tensorrt_has_qdp", tensorrt_has_qdp)
        setting(self, "torch", torch)
        setting(self, "torch_tensorrt", torch_tensorrt)
        setting(self, "numpy", numpy)
        setting(self, "driver", driver)
        setting(self, "cuda_driver_version", cuda_driver_version)
        setting(self, "compute_capability", compute_capability)
        setting(self, "gpu_name", gpu_name)
        setting(self, "is_target", is_target)
        setting(self, "notes", notes)

    @property
    def max_ptx_isa(self) -> tuple[int, int] | None:
        """Newest PTX ISA the driver loads, when the driver is known."""
        if self.cuda_driver_version is None:
            return None
        from trt_plugin_hub._ptx import max_isa_for_cuda  # the PTX tables: not needed to carry an environment

        return max_isa_for_cuda(self.cuda_driver_version)

    def _max_ptx_isa_text(self) -> str | None:
        """:attr:`max_ptx_isa` as ``to_dict`` and ``str()`` write it (``"8.8"``)."""
        isa = self.max_ptx_isa
        if isa is None:
            return None
        from trt_plugin_hub._ptx import format_isa

        return format_isa(isa)

    @property
    def driver_major(self) -> int | None:
        """The driver branch (``580`` of ``580.65.06``)."""
        if not self.driver:
            return None
        match = re.match(r"(\d+)", self.driver)
        return int(match.group(1)) if match else None

    @property
    def arch(self) -> str | None:
        """The GPU as an ``sm_XY`` name."""
        if self.compute_capability is None:
            return None
        return f"sm_{self.compute_capability[0]}{self.compute_capability[1]}"

    def __str__(self) -> str:
        """One line: ``Environment: tensorrt ... | torch ... | GPU ... | driver ... | python ...`` (``Target:``)."""
        arch = self.arch
        gpu = "none found"
        if arch:
            gpu = f"{self.gpu_name} ({arch})" if self.gpu_name else arch
        isa = self._max_ptx_isa_text()
        parts = [
            f"tensorrt {self.tensorrt or 'not installed'}",
            f"torch {self.torch or 'not installed'}",
            f"torch_tensorrt {self.torch_tensorrt or 'not installed'}",
            f"GPU {gpu}",
            f"driver {self.driver or 'none'}" + (f" (PTX ISA <= {isa})" if isa else ""),
            f"python {self.python}",
        ]
        return f"{'Target' if self.is_target else 'Environment'}: " + " | ".join(parts)

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready view."""
        cc = self.compute_capability
        cuda = self.cuda_driver_version
        return {
            "python": self.python,
            "tensorrt": self.tensorrt,
            "tensorrt_distribution": self.tensorrt_distribution,
            "tensorrt_has_qdp": self.tensorrt_has_qdp,
            "torch": self.torch,
            "torch_tensorrt": self.torch_tensorrt,
            "numpy": self.numpy,
            "driver": self.driver,
            "cuda_driver_version": f"{cuda[0]}.{cuda[1]}" if cuda else None,
            "max_ptx_isa": self._max_ptx_isa_text(),
            "compute_capability": f"{cc[0]}.{cc[1]}" if cc else None,
            "gpu_name": self.gpu_name,
            "is_target": self.is_target,
            "notes": list(self.notes),
        }


def _pair(text: object) -> tuple[int, int] | None:
    """``"9.0"`` -> ``(9, 0)``, as :meth:`Environment.to_dict` writes a compute capability or CUDA version."""
    if text is None:
        return None
    if not isinstance(text, str):
        raise TypeError(f"expected 'major.minor' text, found {text!r}")
    major, minor = text.split(".")
    return int(major), int(minor)


def environment_from_dict(data: dict[str, object]) -> Environment:
    """The :class:`Environment` whose :meth:`~Environment.to_dict` is ``data`` (the activation plan keeps it so).

    Raises ``TypeError``, ``ValueError`` or ``KeyError`` on anything :meth:`~Environment.to_dict`
    does not write.
    """
    texts = ("tensorrt", "tensorrt_distribution", "torch", "torch_tensorrt", "numpy", "driver", "gpu_name")
    check_text(data, ("python",), texts)
    values = {name: data[name] for name in texts}
    python, has_qdp, is_target, notes = data["python"], data["tensorrt_has_qdp"], data["is_target"], data["notes"]
    if not isinstance(has_qdp, bool) or not isinstance(is_target, bool):
        raise TypeError("tensorrt_has_qdp or is_target is not a boolean")
    if not isinstance(notes, list) or not all(isinstance(note, str) for note in notes):
        raise TypeError("notes: expected a list of text")
    return Environment(python=str(python), tensorrt_has_qdp=has_qdp, is_target=is_target, notes=tuple(notes),
                       cuda_driver_version=_pair(data["cuda_driver_version"]),
                       compute_capability=_pair(data["compute_capability"]), **values)  # type: ignore[arg-type]
