"""Targets: another host described in text (``sm_90, trt=10.13, driver=580``) on top of this one."""

from __future__ import annotations

import re
from dataclasses import replace

from trt_plugin_hub._errors import TargetError
from trt_plugin_hub._ptx import cuda_version_for_driver, parse_arch
from trt_plugin_hub._settings import Settings, warn_invalid
from trt_plugin_hub._upstream import torch_pairing_problem

from .model import Environment
from .probe import probe_environment

__all__ = ["current_environment", "parse_target"]

_TARGET_KEYS = {
    "tensorrt": "tensorrt", "trt": "tensorrt",
    "torch": "torch",
    "torch_tensorrt": "torch_tensorrt", "torch-tensorrt": "torch_tensorrt", "tt": "torch_tensorrt",
    "driver": "driver",
    "python": "python",
    "numpy": "numpy", "np": "numpy",
    "cc": "cc", "sm": "cc", "gpu": "cc", "arch": "cc",
}

#: What each target field is, in error messages.
_FIELD_WORDS = {"cc": "the GPU architecture", "tensorrt": "the TensorRT version", "torch": "the torch version",
                "torch_tensorrt": "the Torch-TensorRT version", "driver": "the driver", "python": "the Python version",
                "numpy": "the numpy version"}


def _keys_text() -> str:
    """Every item the syntax knows, with its aliases, from :data:`_TARGET_KEYS` (the error lists them)."""
    aliases: dict[str, list[str]] = {}
    for key, field_name in _TARGET_KEYS.items():
        aliases.setdefault(field_name, []).append(f"{key}=")
    parts = []
    for field_name, keys in aliases.items():
        first = "sm_XY" if field_name == "cc" else keys[0]
        others = keys if field_name == "cc" else keys[1:]
        parts.append(f"{first} ({', '.join(others)})" if others else first)
    return ", ".join(parts)


_KEYS_TEXT = _keys_text()


def parse_target(text: str, base: Environment | None = None) -> Environment:
    """Describe another host from text such as ``"sm_90, trt=10.13, driver=580"``.

    Items are separated by commas or spaces: an architecture (``sm_90``, ``cc=9.0``) and
    ``tensorrt=`` (``trt=``), ``torch=``, ``torch_tensorrt=`` (``tt=``), ``numpy=``, ``driver=``,
    ``python=``.
    What the target does not name is taken from ``base`` (this host by default) and noted.
    """
    base = base or probe_environment()
    values: dict[str, object] = {}
    given: dict[str, str] = {}
    notes: list[str] = []
    items = [item for item in re.split(r"[,\s]+", text.strip()) if item]
    if not items:
        raise TargetError("an empty target; give e.g. 'sm_90, trt=10.13, driver=580'")
    for item in items:
        key, sep, value = item.partition("=")
        key = key.lower()
        if not sep:
            key, value = "cc", item
        if key not in _TARGET_KEYS or not value:
            raise TargetError(f"unknown target item {item!r}; the items are {_KEYS_TEXT}")
        field_name = _TARGET_KEYS[key]
        if field_name in given:
            raise TargetError(f"{given[field_name]!r} and {item!r} both give {_FIELD_WORDS[field_name]}; "
                              "give each item once")
        given[field_name] = item
        values.update(_item_values(field_name, key, value))
    if "tensorrt" in values:
        values["tensorrt_distribution"] = "target"
        values["tensorrt_has_qdp"] = True
    for name in ("tensorrt", "torch", "torch_tensorrt", "numpy", "driver", "compute_capability", "python"):
        if name not in values:
            shown = getattr(base, name)
            notes.append(f"{name} not in the target: using this host's ({shown if shown is not None else 'none'})")
    if "compute_capability" in values and "driver" not in values and base.driver is None:
        notes.append("no driver in the target: PTX ISA versions are not checked")
    if "compute_capability" in values:
        values["gpu_name"] = None
    target = replace(base, is_target=True, **values)
    pairing = torch_pairing_problem(target.torch, target.torch_tensorrt)
    if pairing is not None:
        notes.append(pairing)
    return replace(target, notes=tuple(notes))


def _item_values(field_name: str, key: str, value: str) -> dict[str, object]:
    """The :class:`Environment` fields one target item sets."""
    if field_name == "cc":
        return {"compute_capability": _parse_cc(value)}
    if field_name == "driver":
        if not re.fullmatch(r"\d{3}(\.\d+){0,2}", value):
            raise TargetError(f"driver must look like 580 or 580.65.06, found {value!r}")
        cuda = cuda_version_for_driver(int(value.split(".", maxsplit=1)[0]))
        if cuda is None:
            raise TargetError(f"driver {value} is older than any CUDA 11 driver")
        return {"driver": value, "cuda_driver_version": cuda}
    from trt_plugin_hub._versions import parse_version

    if parse_version(value) is None:
        raise TargetError(f"{key}={value!r} is not a version")
    return {field_name: value}


def _parse_cc(value: str) -> tuple[int, int]:
    value = value.strip().lower()
    if re.fullmatch(r"\d{1,2}\.\d", value):
        major, minor = value.split(".")
        return int(major), int(minor)
    try:
        arch = parse_arch(value if value.startswith(("sm_", "compute_")) else f"sm_{value}", virtual=True)
    except ValueError as exc:
        raise TargetError(f"not a GPU architecture: {value!r} (use sm_90 or cc=9.0)") from exc
    return arch.cc


def current_environment(settings: Settings) -> Environment:
    """This host, or the host ``TRT_PLUGIN_HUB_TARGET`` (``settings.target``) describes on top of it.

    The variable takes the ``--target`` syntax; it serves build containers that cannot see the
    GPU they build for. An unreadable value is ignored and logged once per process, never raised
    from autoload.
    """
    env = probe_environment(settings)
    if settings.target is None:
        return env
    try:
        return parse_target(settings.target, base=env)
    except TargetError as exc:
        warn_invalid("TRT_PLUGIN_HUB_TARGET", settings.target, str(exc))
        return env
