"""Converter registry with upstream's semantics.

* ``ConverterPriority`` has exactly ``STANDARD`` and ``HIGH``.
* ``dynamo_tensorrt_converter`` appends a candidate for a STANDARD converter and inserts it at
  the front for a HIGH one. Registering the same function twice adds two candidates (no
  de-duplication) and nothing can be unregistered: ``len(DYNAMO_ATEN_CONVERTERS[op])`` is the
  number of registrations for ``op`` (``_DOUBLE_REGISTRATION_LOG`` also records each one, in
  order, for tests).
* ``requires_output_allocator`` is accepted from 2.7 (TypeError before, as a real unknown
  keyword argument would be).
* ``DYNAMO_CONVERTERS[node]`` returns the first candidate whose capability validator passes
  and whose dynamic-shape support fits the node: ``(impl, calling_convention)`` on 2.6,
  ``(impl, calling_convention, info_dict)`` from 2.7; ``target in DYNAMO_CONVERTERS`` works.

Simplification: upstream chains a legacy FX registry after the Dynamo one; the double has only
the Dynamo registry and registers no ATen converters at all.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from enum import Enum, auto
from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Tuple

import torch
from torch._ops import OpOverloadPacket
from torch.fx.node import Node, Target, _get_qualified_name

from torch_tensorrt._double_config import VERSION_TUPLE as _V
from torch_tensorrt.dynamo._settings import CompilationSettings

logger = logging.getLogger(__name__)

DynamoConverterImplSignature = Callable[..., Any]
ConverterImplSignature = DynamoConverterImplSignature


class ConverterPriority(Enum):
    """Priority of a converter among the candidates for one target."""

    STANDARD = auto()
    HIGH = auto()


class CallingConvention(Enum):
    LEGACY = auto()
    CTX = auto()


@dataclass(frozen=True)
class ConverterSupport:
    """One candidate converter for a target."""

    converter_implementation: ConverterImplSignature
    capability_validator: Callable[[Node, CompilationSettings], bool] = field(
        default=lambda node, compilation_settings: True
    )
    supports_dynamic_shapes: bool = False
    requires_output_allocator: bool = False


DYNAMO_ATEN_CONVERTERS: Dict[Target, List[ConverterSupport]] = {}

# (target, priority) per registration, in order.
_DOUBLE_REGISTRATION_LOG: List[Tuple[Target, ConverterPriority]] = []


def _is_dynamic(subnode: Any) -> bool:
    if not isinstance(subnode, Node) or "val" not in subnode.meta:
        return False
    val = subnode.meta["val"]
    sym = (torch.SymInt, torch.SymFloat, torch.SymBool)
    if isinstance(val, sym):
        return True
    vals = val if isinstance(val, (list, tuple)) else [val]
    for v in vals:
        if hasattr(v, "size") and callable(v.size):
            try:
                if any(isinstance(d, sym) for d in v.size()):
                    return True
            except Exception:  # noqa: BLE001 - metadata of unusual kinds is simply not dynamic
                pass
    return False


def node_has_dynamic_shapes(node: Node) -> bool:
    """True if the node or any of its node arguments has a symbolic dimension."""
    if _is_dynamic(node):
        return True
    return any(_is_dynamic(a) for a in list(node.args) + list(node.kwargs.values()))


def has_static_shapes(node: Node) -> bool:
    return not node_has_dynamic_shapes(node)


def _register(
    key: Target,
    enabled: bool,
    capability_validator: Optional[Callable[[Node, CompilationSettings], bool]],
    priority: ConverterPriority,
    supports_dynamic_shapes: bool,
    requires_output_allocator: bool,
) -> Callable[[ConverterImplSignature], ConverterImplSignature]:
    def register_converter(converter: ConverterImplSignature) -> ConverterImplSignature:
        assert callable(converter), "Converter function must be callable"
        kwargs: Dict[str, Any] = {
            "converter_implementation": converter,
            "supports_dynamic_shapes": supports_dynamic_shapes,
            "requires_output_allocator": requires_output_allocator,
        }
        if capability_validator is not None:
            assert callable(capability_validator), "Argument checking function must be callable"
            kwargs["capability_validator"] = capability_validator
        support = ConverterSupport(**kwargs)

        # Upstream refuses packets with several overloads: each overload needs its own key.
        if isinstance(key, OpOverloadPacket) and (
            len(key.overloads()) >= 3 or (len(key.overloads()) == 2 and "out" not in key.overloads())
        ):
            raise AssertionError(
                f"Detected converter for OpOverloadPacket {key}. We do not support "
                "OpOverloadPacket-keyed converters with multiple overloads."
            )

        if key in DYNAMO_ATEN_CONVERTERS:
            if priority is ConverterPriority.HIGH:
                DYNAMO_ATEN_CONVERTERS[key].insert(0, support)
            else:
                DYNAMO_ATEN_CONVERTERS[key].append(support)
        else:
            DYNAMO_ATEN_CONVERTERS[key] = [support]
        _DOUBLE_REGISTRATION_LOG.append((key, priority))
        logger.debug(f"Converter for {key} added to Dynamo ATen Converter Registry with priority: {priority}")
        return converter

    def disable_converter(converter: ConverterImplSignature) -> ConverterImplSignature:
        return converter

    return register_converter if enabled else disable_converter


if _V >= (2, 7):

    def dynamo_tensorrt_converter(
        key: Target,
        *,
        enabled: bool = True,
        capability_validator: Optional[Callable[[Node, CompilationSettings], bool]] = None,
        priority: ConverterPriority = ConverterPriority.STANDARD,
        supports_dynamic_shapes: bool = False,
        requires_output_allocator: bool = False,
    ) -> Callable[[ConverterImplSignature], ConverterImplSignature]:
        """Decorator registering a converter for ``key`` (see the module docstring)."""
        return _register(key, enabled, capability_validator, priority, supports_dynamic_shapes, requires_output_allocator)

else:

    def dynamo_tensorrt_converter(  # type: ignore[misc]
        key: Target,
        *,
        enabled: bool = True,
        capability_validator: Optional[Callable[[Node, CompilationSettings], bool]] = None,
        priority: ConverterPriority = ConverterPriority.STANDARD,
        supports_dynamic_shapes: bool = False,
    ) -> Callable[[ConverterImplSignature], ConverterImplSignature]:
        """Decorator registering a converter for ``key`` (2.6: no ``requires_output_allocator``)."""
        return _register(key, enabled, capability_validator, priority, supports_dynamic_shapes, False)


class ConverterRegistry:
    """Read-only view over converter dictionaries with validated lookup."""

    def __init__(
        self,
        registries: Sequence[Dict[Target, Any]],
        registry_names: Optional[Sequence[str]] = None,
        registry_calling_conventions: Optional[Sequence[CallingConvention]] = None,
    ) -> None:
        self.registries = list(registries)
        self.registry_names = list(registry_names or [f"Registry {i + 1}" for i in range(len(self.registries))])
        self.registry_calling_conventions = list(
            registry_calling_conventions or [CallingConvention.CTX] * len(self.registries)
        )
        self.compilation_settings: Optional[CompilationSettings] = None
        self.disallowed_targets: Any = set()

    def set_compilation_settings(self, compilation_settings: CompilationSettings) -> None:
        self.compilation_settings = compilation_settings
        self.disallowed_targets = compilation_settings.torch_executed_ops

    def set_disallowed_targets(self, torch_executed_ops: Any) -> None:
        self.disallowed_targets = torch_executed_ops

    @staticmethod
    def qualified_name_or_str(target: Target) -> str:
        return target if isinstance(target, str) else _get_qualified_name(target)

    def _disallowed(self, key: Target) -> bool:
        return key in self.disallowed_targets or self.qualified_name_or_str(key) in self.disallowed_targets

    def __getitem_without_validation__(self, key: Target) -> Tuple[Any, CallingConvention]:
        if isinstance(key, Node):
            raise KeyError(
                "Unvalidated accesses to the Converter registry can only be made with node "
                "targets. Try accessing the registry with node.target"
            )
        if self._disallowed(key):
            raise KeyError(f"A converter exists for {key}, but it was explicitly disallowed")
        for registry, cc in zip(self.registries, self.registry_calling_conventions):
            if key in registry:
                converters = registry[key]
                if isinstance(converters, (list, tuple)):
                    return converters[0].converter_implementation, cc
                return converters, cc
        raise KeyError(f"None of the converter registries have an entry for {key}")

    def __getitem__(self, node: Node) -> Tuple[Any, ...]:
        if not isinstance(node, Node):
            raise KeyError(
                "Validated accesses to the Converter registry can only be made with node inputs. "
                "Try accessing the registry with a node or use get_unvalidated to access without "
                "node validation."
            )
        key = node.target
        assume_dynamic = bool(self.compilation_settings and self.compilation_settings.assume_dynamic_shape_support)
        if self._disallowed(key):
            raise KeyError(f"A converter exists for {key}, but it was explicitly disallowed")
        for registry, cc in zip(self.registries, self.registry_calling_conventions):
            if key not in registry:
                continue
            for candidate in registry[key]:
                if candidate.capability_validator(node, self.compilation_settings) and (
                    assume_dynamic or not node_has_dynamic_shapes(node) or candidate.supports_dynamic_shapes
                ):
                    if _V < (2, 7):
                        return candidate.converter_implementation, cc
                    return (
                        candidate.converter_implementation,
                        cc,
                        {
                            "supports_dynamic_shapes": candidate.supports_dynamic_shapes,
                            "requires_output_allocator": candidate.requires_output_allocator,
                        },
                    )
        raise KeyError(f"None of the converter registries have a validated entry for {key}, with node {node}")

    def get(self, node: Node, value: Any = None) -> Any:
        try:
            return self.__getitem__(node)
        except KeyError:
            return value

    def get_unvalidated(self, key: Target, value: Any = None) -> Any:
        try:
            return self.__getitem_without_validation__(key)
        except KeyError:
            return value

    def __contains__(self, key: Any) -> bool:
        try:
            if isinstance(key, Node):
                self.__getitem__(key)
            else:
                self.__getitem_without_validation__(key)
            return True
        except KeyError:
            return False

    def get_all_converters_with_target(self, key: Target, return_registry_info: bool = False) -> Tuple[Any, Any]:
        """All candidates for ``key`` in lookup order (one entry per registration)."""
        found: List[Any] = []
        info = {name: 0 for name in self.registry_names}
        for name, registry in zip(self.registry_names, self.registries):
            if key in registry:
                converters = registry[key]
                found.extend(c.converter_implementation for c in converters)
                info[name] += len(converters)
        return (found, info) if return_registry_info else (found, None)

    def keys(self) -> Set[Target]:
        return self.unique_targets()

    def unique_targets(self) -> Set[Target]:
        return set().union(*[set(r.keys()) for r in self.registries])

    def __len__(self) -> int:
        return sum(len(r) for r in self.registries)

    def __setitem__(self, key: Any, value: Any) -> None:
        raise AssertionError(
            "Do not set registry members directly through the ConverterRegistry object. "
            f"Attempted to set {key}: {value} via direct assignment to ConverterRegistry."
        )

    def __delitem__(self, key: Any) -> None:
        raise AssertionError(
            "Do not delete registry members directly through the ConverterRegistry object. "
            f"Attempted to delete {key} via direct del on ConverterRegistry."
        )


DYNAMO_CONVERTERS: ConverterRegistry = ConverterRegistry(
    [DYNAMO_ATEN_CONVERTERS], ["Dynamo ATen Converters Registry"], [CallingConvention.CTX]
)
