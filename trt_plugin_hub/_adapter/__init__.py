"""The one package that imports ``tensorrt``, ``tensorrt.plugin`` and ``torch_tensorrt``.

Everything the hub does with the upstream libraries goes through these small functions, so the
rest of the package stays importable (and testable) where TensorRT is not installed, and a change
upstream is handled in one place. This module holds what activating a QDP op asks of them (the
registries, the converter generator, the debugging checks); :mod:`.launch` what registering a
``torch_tensorrt.kernels`` op and launching a packaged kernel at engine build ask, imported then.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import sys
import types
from collections.abc import Callable
from typing import Any, cast

from trt_plugin_hub import _guard
from trt_plugin_hub._reasons import Check

__all__ = [
    "DebugCheck",
    "converter_candidates",
    "converter_check",
    "converter_registered",
    "debugging_checks",
    "generate_converter",
    "plugin_def",
    "plugin_def_or_none",
    "qdp_ids",
    "qdp_registry",
    "qdp_registry_check",
    "qdp_switched_off",
    "runtime_versions",
    "supported_generator_options",
    "torch_op_exists",
    "torch_overload",
    "unregister_qdp",
    "upstream_unavailable",
    "validator_check",
]

_GENERATOR_MODULE = "torch_tensorrt.dynamo.conversion.plugins._generate_plugin_converter"
_REGISTRY_MODULE = "torch_tensorrt.dynamo.conversion._ConverterRegistry"


def qdp_registry() -> dict[str, Any]:
    """TensorRT's QDP registry (``tensorrt.plugin._lib.QDP_REGISTRY``)."""
    from tensorrt.plugin import _lib

    return cast("dict[str, Any]", _lib.QDP_REGISTRY)


def qdp_ids() -> set[str] | None:
    """The op ids in TensorRT's QDP registry now, or ``None`` when the registry cannot be read."""
    try:
        return set(qdp_registry())
    except Exception:  # noqa: BLE001 - no readable QDP registry: nothing to compare
        return None


def plugin_def(op_id: str) -> Any | None:
    """The registered QDP PluginDef for ``op_id``, or ``None``."""
    return qdp_registry().get(op_id)


def plugin_def_or_none(op_id: str) -> Any | None:
    """The registered QDP PluginDef for ``op_id``; ``None`` also when the registry cannot be read."""
    definition, _ = _guard.call("QDP registry lookup", plugin_def, op_id)
    return definition


def upstream_unavailable() -> str | None:
    """Why ``tensorrt.plugin`` or ``torch_tensorrt`` cannot be imported in this process, or ``None``.

    Imports both (``torch_tensorrt`` runs its own start-up, and the hub's autoload hook with it).
    """
    for module in ("tensorrt.plugin", "torch_tensorrt"):
        _, failure = _guard.call(f"import {module}", importlib.import_module, module)
        if failure is not None:
            return f"{module} cannot be imported here ({failure})"
    return None


def runtime_versions() -> tuple[str | None, str | None]:
    """The TensorRT and numpy this process really imported (``None`` for one it has not imported)."""
    versions = []
    for name in ("tensorrt", "numpy"):
        module = sys.modules.get(name)
        version = getattr(module, "__version__", None) if module is not None else None
        versions.append(str(version) if version else None)
    return versions[0], versions[1]


def torch_op_exists(namespace: str, name: str) -> bool:
    """Whether PyTorch already has an operator ``namespace::name`` (any overload)."""
    import torch

    return bool(torch._C._jit_get_schemas_for_operator(f"{namespace}::{name}"))  # noqa: SLF001 - no public lookup


def unregister_qdp(op_id: str) -> bool:
    """Undo a QDP registration (registry entry, creator, ``trtp.op`` attribute); True if one was there.

    Used only for an op a plugin registered without declaring it, in a namespace another plugin
    declares, so that the op's owner can still register it: TensorRT has no unregister of its own.
    """
    import tensorrt as trt
    from tensorrt.plugin import _lib

    namespace, _, name = op_id.partition("::")
    definition = _lib.QDP_REGISTRY.pop(op_id, None)
    creator = None
    # TensorRT 10.7 keys its creators as "name::namespace"; later releases as "namespace::name".
    for key in (op_id, f"{name}::{namespace}"):
        creator = _lib.QDP_CREATORS.pop(key, None) or creator
    if creator is not None:
        with contextlib.suppress(Exception):  # the registry entry is gone either way
            trt.get_plugin_registry().deregister_creator(creator)
    group = _lib.op.__dict__.get(namespace)
    if group is not None and name in group.__dict__:
        delattr(group, name)
    return definition is not None


def torch_overload(namespace: str, name: str, overload: str) -> Any:
    """``torch.ops.<namespace>.<name>.<overload>``; raises AttributeError if it is not defined."""
    import torch

    packet = getattr(getattr(torch.ops, namespace), name)
    return getattr(packet, overload)


def _module(name: str) -> Any:
    """The upstream module ``name``: from ``sys.modules`` once imported (activation asks once an op)."""
    return sys.modules.get(name) or importlib.import_module(name)


def _registry_module() -> Any:
    return _module(_REGISTRY_MODULE)


def converter_registered(overload: Any) -> bool:
    """Step 2 of the upstream debugging checks: ``overload in DYNAMO_CONVERTERS``.

    Answered as the registry answers it - not disallowed, and in one of its registries - without
    the check of every registered converter's shape that the registry runs on each ``in`` (about
    0.1 ms with Torch-TensorRT's own converters, once per activated op). A registry without those
    attributes is asked with ``in``.
    """
    converters = _registry_module().DYNAMO_CONVERTERS
    tables = getattr(converters, "registries", None)
    disallowed = getattr(converters, "disallowed_targets", None)
    qualified = getattr(converters, "qualified_name_or_str", None)
    if (not isinstance(tables, (list, tuple)) or not all(isinstance(t, dict) for t in tables)
            or disallowed is None or not callable(qualified)):
        return overload in converters
    if overload in disallowed or qualified(overload) in disallowed:
        return False
    return any(overload in table for table in tables)


def converter_candidates(overload: Any) -> int:
    """How many converters are registered for ``overload`` (upstream never de-duplicates)."""
    registry = _registry_module()
    table = getattr(registry, "DYNAMO_ATEN_CONVERTERS", None)
    if isinstance(table, dict):
        return len(table.get(overload, ()))
    return 1 if overload in registry.DYNAMO_CONVERTERS else 0


def supported_generator_options() -> frozenset[str]:
    """Keyword arguments the installed ``_generate_plugin_converter`` accepts."""
    function = importlib.import_module(_GENERATOR_MODULE)._generate_plugin_converter  # noqa: SLF001 - upstream's private generator: the call this hub makes
    return frozenset(_parameter_names(function))


_QDP_SWITCH: list[str | None] = []


def qdp_switched_off() -> str | None:
    """Torch-TensorRT's own verdict when it switched QDP off in this process, else ``None``; read once per process.

    ``None`` also when the flags cannot be read: the checks before and after it decide then.
    """
    if not _QDP_SWITCH:
        verdict, _ = _guard.call("Torch-TensorRT feature flags", _read_qdp_switch)
        _QDP_SWITCH.append(verdict)
    return _QDP_SWITCH[0]


def _read_qdp_switch() -> str | None:
    """Torch-TensorRT's own verdict when it switched QDP off in this process, else ``None``.

    Read from ``torch_tensorrt._features.ENABLED_FEATURES.qdp_plugin`` (2.8+). 2.10.0 reports QDP
    off for every TensorRT while its private generator still works, so its flag is not a verdict.
    """
    import torch_tensorrt

    features = getattr(importlib.import_module("torch_tensorrt._features"), "ENABLED_FEATURES", None)
    if getattr(features, "qdp_plugin", None) is not False:
        return None
    from trt_plugin_hub._versions import release_tuple  # only for a release that says QDP is off

    version = str(getattr(torch_tensorrt, "__version__", ""))
    if release_tuple(version, 2) == (2, 10):
        return None
    return f"Torch-TensorRT {version} reports QDP plugins unavailable (ENABLED_FEATURES.qdp_plugin is False)"


def generate_converter(
    namespace: str,
    op_name: str,
    overload: str | None,
    *,
    capability_validator: Callable[..., bool] | None,
    high_priority: bool,
    supports_dynamic_shapes: bool,
    requires_output_allocator: bool,
    use_aot_if_available: bool,
) -> None:
    """Call upstream ``_generate_plugin_converter`` with the declared values.

    The default overload is passed as ``None``: the generated converter looks its schema up as
    ``_schemas[overload or ""]``, so the name ``"default"`` would be a KeyError at conversion.
    Options the installed release does not know are left out (see
    :func:`trt_plugin_hub._upstream.generator_keywords`).
    """
    from trt_plugin_hub._upstream import generator_keywords

    module = _module(_GENERATOR_MODULE)
    priority_enum = _registry_module().ConverterPriority
    function = module._generate_plugin_converter  # noqa: SLF001 - upstream's private generator: the call this hub makes
    keywords = generator_keywords(_parameter_names(function), use_aot=use_aot_if_available,
                                  requires_output_allocator=requires_output_allocator)
    function(
        namespace, op_name,
        overload=None if overload in (None, "", "default") else overload,
        capability_validator=capability_validator,
        priority=priority_enum.HIGH if high_priority else priority_enum.STANDARD,
        supports_dynamic_shapes=supports_dynamic_shapes,
        **keywords,
    )


#: The generator's parameter names, by the function object: read once a process, not once an op.
_GENERATOR_PARAMETERS: dict[Callable[..., Any], tuple[str, ...]] = {}


def _parameter_names(function: Callable[..., Any]) -> tuple[str, ...]:
    names = _GENERATOR_PARAMETERS.get(function)
    if names is None:
        names = _GENERATOR_PARAMETERS[function] = _signature_names(function)
    return names


def _signature_names(function: Callable[..., Any]) -> tuple[str, ...]:
    """The parameter names ``inspect.signature(function)`` gives, in its order.

    Read from a plain function's code, which is what the signature is built from; anything else
    (a wrapper, a declared ``__signature__``, a builtin) is asked through the signature itself.
    """
    code = getattr(function, "__code__", None)
    if type(function) is not types.FunctionType or code is None or hasattr(function, "__wrapped__") \
            or "__signature__" in vars(function):
        return tuple(inspect.signature(function).parameters)
    names = code.co_varnames
    positional, keyword = code.co_argcount, code.co_argcount + code.co_kwonlyargcount
    varargs = (names[keyword],) if code.co_flags & inspect.CO_VARARGS else ()
    varkw = (names[keyword + len(varargs)],) if code.co_flags & inspect.CO_VARKEYWORDS else ()
    return (*names[:positional], *varargs, *names[positional:keyword], *varkw)


class DebugCheck:
    """One debugging check of Torch-TensorRT's plugin page, as this process's upstream state answers it.

    ``passed`` is ``None`` when the state cannot be read, and ``error`` is what reading it raised.
    ``found`` is what the check looked up: the QDP ``PluginDef`` (step 1), the torch overload (step 2).
    A slotted class: activation imports this module on every ``import torch_tensorrt``.
    """

    __slots__ = ("detail", "error", "found", "name", "passed")

    def __init__(self, name: str, passed: bool | None, detail: str, found: Any = None,
                 error: Exception | None = None) -> None:
        self.name = name
        self.passed = passed
        self.detail = detail
        self.found = found
        self.error = error

    def __repr__(self) -> str:
        return f"DebugCheck({self.name!r}, {self.passed!r}, {self.detail!r})"

    def as_check(self) -> Check:
        """The check as ``explain`` shows it."""
        return Check(self.name, self.passed, self.detail)


def qdp_registry_check(namespace: str, name: str) -> DebugCheck:
    """Debugging check 1: the op's QDP definition is in ``tensorrt.plugin._lib.QDP_REGISTRY``."""
    op_id = f"{namespace}::{name}"
    label = f"1. {op_id} in QDP_REGISTRY"
    try:
        definition = plugin_def(op_id)
    except Exception as exc:  # noqa: BLE001 - upstream state that cannot be read is reported
        return DebugCheck(label, None, f"cannot read: {exc}", error=exc)
    return DebugCheck(label, definition is not None, "tensorrt.plugin._lib.QDP_REGISTRY", found=definition)


def converter_check(namespace: str, name: str, overload: str) -> DebugCheck:
    """Debugging check 2: ``torch.ops.<namespace>.<name>.<overload>`` is in ``DYNAMO_CONVERTERS``."""
    label = f"2. torch.ops.{namespace}.{name}.{overload} in DYNAMO_CONVERTERS"
    try:
        found = torch_overload(namespace, name, overload)
        registered = converter_registered(found)
        count = converter_candidates(found)
    except Exception as exc:  # noqa: BLE001 - upstream state that cannot be read is reported
        return DebugCheck(label, None, str(exc), error=exc)
    return DebugCheck(label, registered, f"{count} converter candidate(s)", found=found)


def validator_check(namespace: str, name: str, validator: str | None) -> DebugCheck:
    """Debugging check 3: the op's capability validator, which activation resolved to ``validator``.

    Torch-TensorRT calls it per node at compile time, so this process can only say that it resolved.
    """
    label = f"3. capability validator of {namespace}::{name}"
    if validator is None:
        return DebugCheck(label, True, "none declared: every node is accepted")
    return DebugCheck(label, True, f"{validator} resolves to a callable; it runs per node at compile time (see a "
                      "dryrun report)")


def debugging_checks(namespace: str, name: str, overload: str, *,
                     validator: str | None = None) -> tuple[DebugCheck, DebugCheck, DebugCheck]:
    """The three debugging checks of Torch-TensorRT's plugin page for one QDP op, in the page's order.

    1. the QDP definition is registered with TensorRT; 2. the overload has a converter in
    ``DYNAMO_CONVERTERS``; 3. the capability validator (``validator``: the reference activation
    resolved, ``None`` when none is declared). Activation runs checks 1 and 2 to decide an op's
    status; ``explain`` runs all three again. Never raises for upstream state that cannot be read.
    """
    return (qdp_registry_check(namespace, name), converter_check(namespace, name, overload),
            validator_check(namespace, name, validator))
