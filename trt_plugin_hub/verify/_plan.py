"""What to verify: the plugin packages, their AOT ops, and how to call each op's eager reference.

The eager reference of op ``ns::name`` is the op's ``x-reference`` (``"module:function"``) in
``trt_plugin.json``, else ``reference_<name>`` in the package's ``ops`` module; it is imported
through the guard, as all plugin code is. An op's ``x-verify`` object may set ``attrs`` (attribute
values to test with), ``dtype`` and ``rtol``.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trt_plugin_hub import _guard
from trt_plugin_hub._errors import HubError
from trt_plugin_hub._manifest import MANIFEST_FILENAME, OpSpec, PluginManifest, read_manifest

from ._model import DEFAULT_ATTR_VALUES, DEFAULT_RTOL, VerifySettings

__all__ = ["OpPlan", "Package", "collect_packages", "package_from_dir", "plan_op"]


@dataclass(frozen=True)
class Package:
    """A plugin package to verify: its name, directory, import name and manifest."""

    name: str
    package_dir: Path
    module: str
    manifest: PluginManifest


def collect_packages(settings: VerifySettings) -> tuple[list[Package], list[str]]:
    """The installed plugins (or ``settings.packages``), and a line for each that cannot be read."""
    packages: list[Package] = []
    problems: list[str] = []
    if settings.packages:
        packages.extend(package_from_dir(text) for text in settings.packages)
        return packages, problems
    from trt_plugin_hub._discovery import scan_candidates

    for candidate in scan_candidates():
        if candidate.manifest is None or candidate.package_dir is None or candidate.manifest_path is None:
            message = candidate.problem.message if candidate.problem else "no manifest"
            problems.append(f"{candidate.name}: {message}")
            continue
        if candidate.problem is not None:  # e.g. a duplicate plugin name: it never activates
            problems.append(f"{candidate.name}: {candidate.problem.message}")
            continue
        packages.append(Package(candidate.name, candidate.package_dir, candidate.module, candidate.manifest))
    return packages, problems


def package_from_dir(text: str) -> Package:
    """A package directory given on the command line.

    Either the directory holding ``trt_plugin.json``, or a project directory with exactly one such
    package below it.
    """
    path = Path(text)
    if not path.is_dir():
        raise HubError(f"--package {text}: not a directory")
    if not (path / MANIFEST_FILENAME).is_file():
        found = sorted(p.parent for p in path.glob(f"*/{MANIFEST_FILENAME}"))
        if len(found) != 1:
            raise HubError(f"--package {text}: no {MANIFEST_FILENAME} in it"
                           + (f" (several below it: {', '.join(p.name for p in found)})" if found else ""))
        path = found[0]
    path = path.resolve()
    module = path.name
    # The references live in the package's modules: make this copy the importable one.
    parent = str(path.parent)
    if parent not in sys.path:
        sys.path.insert(0, parent)
    manifest = read_manifest(path / MANIFEST_FILENAME, module)
    return Package(manifest.name, path, module, manifest)


@dataclass(frozen=True)
class OpPlan:
    """How to call one op's reference and what its kernel receives."""

    reference: Callable[..., Any]
    reference_name: str
    tensor_params: tuple[str, ...]
    attrs: dict[str, Any]
    dtype: str
    rtol: float


def plan_op(package: Package, op: OpSpec, settings: VerifySettings) -> OpPlan:
    """Resolve the reference and the attribute values; raises ``ValueError`` with the reason.

    The op's ``x-reference`` and ``x-verify`` come from its manifest extensions.
    """
    reference, spec = _reference(package, op)
    given, dtype, rtol = _options(op.extensions, settings)
    launch = op.launch
    if launch is None:
        raise ValueError("the op declares no 'launch' section, so how TensorRT launches it is unknown")
    launch_attrs = set(launch.attributes)
    tensors, attrs = _parameters(reference, spec, launch_attrs, given)
    if not tensors:
        raise ValueError(f"the reference {spec} takes no tensor")
    missing = sorted(launch_attrs - set(attrs))
    if missing:
        raise ValueError(f"launch extras name attribute(s) {', '.join(missing)} that the reference {spec} "
                         "does not take")
    unknown = sorted(set(given) - set(attrs))
    if unknown:
        raise ValueError(f"x-verify.attrs names {', '.join(unknown)}, which the reference {spec} does not take")
    return OpPlan(reference, spec, tuple(tensors), attrs, dtype, float(rtol))


def _reference(package: Package, op: OpSpec) -> tuple[Callable[..., Any], str]:
    """The op's eager reference (imported through the guard) and its ``module:function`` name."""
    spec = op.extensions.get("x-reference")
    if spec is not None:
        if not isinstance(spec, str) or spec.count(":") != 1:
            raise ValueError(f"x-reference must be 'module:function', found {spec!r}")
        module_name, attr = spec.split(":")
    else:
        module_name, attr = f"{package.module}.ops", f"reference_{op.name}"
        spec = f"{module_name}:{attr}"
    reference, failure = _guard.resolve(f"{module_name}:{attr}")
    if failure is not None and not isinstance(failure.exception, AttributeError):
        raise ValueError(f"cannot import the reference module {module_name} ({failure})") from failure.exception
    if not callable(reference):
        raise ValueError(f"no eager reference: {spec} does not exist; define it, or name one with "
                         "'x-reference': 'module:function' on the op in trt_plugin.json")
    return reference, spec


def _options(extensions: Mapping[str, Any], settings: VerifySettings) -> tuple[dict[str, Any], str, float]:
    """The op's ``x-verify``: attribute values to test with, the dtype and the tolerance."""
    options = extensions.get("x-verify", {})
    if not isinstance(options, dict):
        raise ValueError(f"x-verify must be an object, found {options!r}")
    given = options.get("attrs", {})
    if not isinstance(given, dict):
        raise ValueError(f"x-verify.attrs must be an object, found {given!r}")
    dtype = options.get("dtype", "float32")
    if not isinstance(dtype, str):
        raise ValueError(f"x-verify.dtype must be a torch dtype name such as 'float32', found {dtype!r}")
    rtol = options.get("rtol", DEFAULT_RTOL)
    if isinstance(rtol, bool) or not isinstance(rtol, (int, float)) or rtol < 0:
        raise ValueError(f"x-verify.rtol must be a non-negative number, found {rtol!r}")
    if settings.rtol is not None:
        rtol = settings.rtol
    return given, dtype, rtol


def _parameters(reference: Callable[..., Any], spec: str, launch_attrs: set[str],
                given: Mapping[str, Any]) -> tuple[list[str], dict[str, Any]]:
    """The reference's tensor parameters, in order, and the value of each attribute parameter."""
    tensors: list[str] = []
    attrs: dict[str, Any] = {}
    for param in inspect.signature(reference).parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            raise ValueError(f"the reference {spec} must name its parameters (no *args or **kwargs)")
        kind = _annotation_kind(param.annotation)
        if kind == "tensor" or (kind is None and param.name not in launch_attrs and param.name not in given):
            if attrs:
                raise ValueError(f"{spec}: tensor parameter {param.name!r} follows an attribute "
                                 "(TensorRT plugins take tensors first)")
            tensors.append(param.name)
            continue
        value = given.get(param.name, param.default if param.default is not param.empty else None)
        if value is None:
            value = DEFAULT_ATTR_VALUES[kind or "float"]
        if kind == "float":  # JSON may spell 2.0 as 2; the kernel still gets float bits
            value = float(value)
        elif kind == "int":
            value = int(value)
        elif kind == "bool":
            value = bool(value)
        attrs[param.name] = value
    return tensors, attrs


def _annotation_kind(annotation: Any) -> str | None:
    """``"tensor"``, ``"float"``, ``"int"``, ``"bool"`` or ``None`` for an unannotated parameter.

    Works on strings too: with ``from __future__ import annotations`` a reference's annotations
    are never evaluated, and evaluating them here could import things the reference avoids.
    """
    if annotation is inspect.Parameter.empty:
        return None
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", str(annotation))
    text = text.replace(" ", "")
    if "Tensor" in text:
        return "tensor"
    for name in ("bool", "float", "int"):  # bool before int: bool is an int subclass
        if text == name or text.startswith(name + "|") or text.endswith("|" + name):
            return name
    return None
