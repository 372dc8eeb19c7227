"""Generation of a Torch-TensorRT converter for a QDP plugin, per upstream release.

``_generate_plugin_converter(namespace, op_name, overload=None, capability_validator=None,
priority=STANDARD, supports_dynamic_shapes=False, requires_output_allocator=False,
use_aot_if_available=True)`` exists from 2.6; ``requires_output_allocator`` from 2.7 and
``use_aot_if_available`` from 2.8 (older releases raise TypeError for them, as any unknown
keyword does). Steps, in upstream order:

1. ``import tensorrt.plugin`` (2.8+: inside the call, RuntimeError "TensorRT version must be
   10.7.0 or higher" when missing; 2.6/2.7: at module import, so ``import torch_tensorrt``
   itself fails on a TensorRT without ``tensorrt.plugin``);
2. ``torch.ops.<ns>.<op>.<overload or "default">`` (AttributeError when not registered);
3. ``assert "ns::op" in QDP_REGISTRY``;
4. (2.8+) AOT is decided once, here: AOT iff ``use_aot_if_available`` and the plugin's
   ``aot_impl_func is not None`` (on TensorRT < 10.9 the attribute does not exist, so this
   raises AttributeError unless ``use_aot_if_available=False``). The decision is also exposed
   as the attribute ``_double_use_aot`` of the returned converter;
5. register with ``dynamo_tensorrt_converter`` and ``assert overload in DYNAMO_CONVERTERS``.

The generated converter takes the first ``len(plugin.input_tensor_names)`` positional args as
tensors; FX keyword arguments are ignored. Attributes, by release:
  * 2.6: the remaining positional args, zipped with the plugin's attribute names;
  * 2.7-2.9: the schema arguments that have a default, overwritten by the positional ones;
    attributes without a schema default are dropped (so the plugin call then fails its
    schema check unless every attribute has a default in the op schema);
  * 2.10+: schema defaults, then updated with the positional ones (keys not already present
    are appended, so the order can differ from the plugin's and fail its schema check);
  * 2.13+: additionally coerced to the schema's scalar type and to numpy for array attributes.
FX immutable lists become numpy arrays. It calls ``ctx.net.add_plugin(plugin(*tensors, **attrs),
aot=use_aot)`` (2.6/2.7: without ``aot=``) and returns the first output, or (2.13+) a tuple for
multi-output schemas.
"""

from __future__ import annotations

import logging
import typing
import uuid
from typing import Any, Callable, Dict, Optional, Sequence, Tuple, Union

import torch
from torch.fx.node import Argument, Node, Target

from torch_tensorrt._double_config import VERSION_TUPLE as _V
from torch_tensorrt._features import needs_qdp_plugin
from torch_tensorrt.dynamo._settings import CompilationSettings
from torch_tensorrt.dynamo.conversion._ConversionContext import ConversionContext
from torch_tensorrt.dynamo.conversion._ConverterRegistry import (
    DYNAMO_CONVERTERS,
    ConverterPriority,
    DynamoConverterImplSignature,
    dynamo_tensorrt_converter,
)
from torch_tensorrt.dynamo.conversion.converter_utils import get_trt_tensor

try:
    import numpy as np
except ImportError:  # pragma: no cover - numpy is optional in the double
    np = None  # type: ignore[assignment]

if _V < (2, 8):
    # Upstream 2.6/2.7 import these at module level.
    import tensorrt.plugin as trtp  # noqa: F401
    from tensorrt.plugin._lib import QDP_REGISTRY  # noqa: F401

_LOGGER: logging.Logger = logging.getLogger(__name__)


def _unwrap_scalar(value: Any) -> Any:
    if np is not None and isinstance(value, np.ndarray):
        if value.size != 1:
            raise ValueError(f"Expected scalar plugin attribute, got ndarray with shape {value.shape}")
        return value.reshape(()).item()
    if np is not None and isinstance(value, np.generic):
        return value.item()
    return value


def _coerce_to_schema_type(value: Any, arg_type: Any) -> Any:
    """2.13+: make FX/numpy scalars the Python type the op schema declares."""
    for torch_type, py_type in (
        (torch._C.FloatType, float),
        (torch._C.IntType, int),
        (torch._C.BoolType, bool),
        (torch._C.StringType, str),
    ):
        if arg_type.isSubtypeOf(torch_type.get()):
            return py_type(_unwrap_scalar(value))
    return value


def _coerce_to_annotation(value: Any, annotation: Any) -> Any:
    """2.13+: numpy-annotated attributes become arrays of the annotated dtype."""
    if np is None:
        return value
    if annotation is np.ndarray:
        return np.asarray(_unwrap_scalar(value), dtype=np.dtype(object))
    if typing.get_origin(annotation) is np.ndarray:
        inner = typing.get_args(typing.get_args(annotation)[1])
        if not inner:
            raise TypeError(f"Could not infer NumPy dtype from annotation {annotation!r}")
        return np.asarray(_unwrap_scalar(value), dtype=np.dtype(inner[0]))
    return value


def _generate(
    namespace: str,
    op_name: str,
    overload: Optional[str],
    capability_validator: Optional[Callable[[Node, CompilationSettings], bool]],
    priority: ConverterPriority,
    supports_dynamic_shapes: bool,
    requires_output_allocator: bool,
    use_aot_if_available: bool,
) -> DynamoConverterImplSignature:
    if _V >= (2, 8):
        try:
            import tensorrt.plugin as trtp
        except ImportError:
            raise RuntimeError(
                "Unable to import TensorRT plugin. TensorRT version must be 10.7.0 or higher to "
                "support for Triton based TensorRT plugins"
            )
        from tensorrt.plugin._lib import QDP_REGISTRY
    else:
        # Already imported at module level on these releases; rebinding keeps the names local.
        import tensorrt.plugin as trtp
        from tensorrt.plugin._lib import QDP_REGISTRY

    torch_target = getattr(getattr(torch.ops, namespace), op_name)
    overload_name = overload if overload else "default"
    torch_overload = getattr(torch_target, overload_name)
    assert f"{namespace}::{op_name}" in QDP_REGISTRY, (
        f"Could not find a tensorrt plugin registered for op {namespace}::{op_name}, unable to "
        "generate converter"
    )
    torch_schema = torch_overload._schema

    use_aot_plugin = False
    if _V >= (2, 8):
        use_aot_plugin = use_aot_if_available
        if use_aot_if_available:
            desc = QDP_REGISTRY[f"{namespace}::{op_name}"]
            if desc.aot_impl_func is None:
                use_aot_plugin = False
                _LOGGER.debug(f"AOT impl func not found for {namespace}::{op_name}, use JIT plugin instead")

    def custom_kernel_converter(
        ctx: ConversionContext,
        target: Target,
        args: Tuple[Argument, ...],
        kwargs: Dict[str, Argument],
        name: str,
    ) -> Union[Any, Sequence[Any]]:
        plugin = getattr(getattr(trtp.op, namespace), op_name)
        tensor_names = plugin.input_tensor_names
        suffix = f"_{uuid.uuid4()}" if _V >= (2, 7) else ""
        itensor_args = [
            get_trt_tensor(ctx, t, f"{t_name}{suffix}")
            for t, t_name in zip(args[: len(tensor_names)], tensor_names)
        ]

        attr_annotations = plugin.input_attrs
        positional = dict(zip(list(attr_annotations.keys()), args[len(tensor_names):]))
        if _V < (2, 7):
            attrs: Dict[str, Any] = positional
        else:
            attrs = {a.name: a.default_value for a in torch_schema.arguments if a.default_value is not None}
            if _V < (2, 10):
                for k in list(attrs):
                    if k in positional:
                        attrs[k] = positional[k]
            else:
                attrs.update(positional)

        arg_types = {a.name: a.type for a in torch_schema.arguments}
        for k in list(attrs):
            if np is not None and isinstance(attrs[k], torch.fx.immutable_collections.immutable_list):
                attrs[k] = np.array(attrs[k])
            if _V >= (2, 13):
                attrs[k] = _coerce_to_schema_type(attrs[k], arg_types[k])
                attrs[k] = _coerce_to_annotation(attrs[k], attr_annotations[k])

        if _V >= (2, 8):
            layer = ctx.net.add_plugin(plugin(*itensor_args, **attrs), aot=use_aot_plugin)
        else:
            layer = ctx.net.add_plugin(plugin(*itensor_args, **attrs))
        assert layer, f"{namespace}::{name} plugin layer was not able to be created"
        layer.name = f"[{target}]-[{name}]"
        if _V >= (2, 13) and len(torch_schema.returns) > 1:
            return tuple(layer.get_output(i) for i in range(len(torch_schema.returns)))
        return layer.get_output(0)

    custom_kernel_converter._double_use_aot = use_aot_plugin  # type: ignore[attr-defined]

    register_kwargs: Dict[str, Any] = {
        "capability_validator": capability_validator,
        "priority": priority,
        "supports_dynamic_shapes": supports_dynamic_shapes,
    }
    if _V >= (2, 7):
        register_kwargs["requires_output_allocator"] = requires_output_allocator
    dynamo_tensorrt_converter(torch_overload, **register_kwargs)(custom_kernel_converter)
    assert torch_overload in DYNAMO_CONVERTERS, (
        f"Generated dynamo converter for {namespace}::{op_name} did not get properly registered "
        "in the converter registry"
    )
    return custom_kernel_converter


if _V >= (2, 8):

    def _generate_plugin_converter(
        namespace: str,
        op_name: str,
        overload: Optional[str] = None,
        capability_validator: Optional[Callable[[Node, CompilationSettings], bool]] = None,
        priority: ConverterPriority = ConverterPriority.STANDARD,
        supports_dynamic_shapes: bool = False,
        requires_output_allocator: bool = False,
        use_aot_if_available: bool = True,
    ) -> DynamoConverterImplSignature:
        return _generate(
            namespace, op_name, overload, capability_validator, priority,
            supports_dynamic_shapes, requires_output_allocator, use_aot_if_available,
        )

    @needs_qdp_plugin
    def generate_plugin_converter(
        plugin_id: str,
        capability_validator: Optional[Callable[[Node, CompilationSettings], bool]] = None,
        priority: ConverterPriority = ConverterPriority.STANDARD,
        supports_dynamic_shapes: bool = False,
        requires_output_allocator: bool = False,
        use_aot_if_available: bool = True,
    ) -> DynamoConverterImplSignature:
        plugin_ns, plugin_name = plugin_id.split("::")
        return _generate_plugin_converter(
            plugin_ns,
            plugin_name,
            capability_validator=capability_validator,
            priority=priority,
            supports_dynamic_shapes=supports_dynamic_shapes,
            requires_output_allocator=requires_output_allocator,
            use_aot_if_available=use_aot_if_available,
        )

elif _V >= (2, 7):

    def _generate_plugin_converter(  # type: ignore[misc]
        namespace: str,
        op_name: str,
        overload: Optional[str] = None,
        capability_validator: Optional[Callable[[Node, CompilationSettings], bool]] = None,
        priority: ConverterPriority = ConverterPriority.STANDARD,
        supports_dynamic_shapes: bool = False,
        requires_output_allocator: bool = False,
    ) -> DynamoConverterImplSignature:
        return _generate(
            namespace, op_name, overload, capability_validator, priority,
            supports_dynamic_shapes, requires_output_allocator, False,
        )

    def generate_plugin_converter(  # type: ignore[misc]
        plugin_id: str,
        capability_validator: Optional[Callable[[Node, CompilationSettings], bool]] = None,
        priority: ConverterPriority = ConverterPriority.STANDARD,
        supports_dynamic_shapes: bool = False,
        requires_output_allocator: bool = False,
    ) -> DynamoConverterImplSignature:
        plugin_ns, plugin_name = plugin_id.split("::")
        return _generate_plugin_converter(
            plugin_ns,
            plugin_name,
            capability_validator=capability_validator,
            priority=priority,
            supports_dynamic_shapes=supports_dynamic_shapes,
            requires_output_allocator=requires_output_allocator,
        )

else:

    def _generate_plugin_converter(  # type: ignore[misc]
        namespace: str,
        op_name: str,
        overload: Optional[str] = None,
        capability_validator: Optional[Callable[[Node, CompilationSettings], bool]] = None,
        priority: ConverterPriority = ConverterPriority.STANDARD,
        supports_dynamic_shapes: bool = False,
    ) -> DynamoConverterImplSignature:
        return _generate(
            namespace, op_name, overload, capability_validator, priority,
            supports_dynamic_shapes, False, False,
        )

    def generate_plugin_converter(  # type: ignore[misc]
        plugin_id: str,
        capability_validator: Optional[Callable[[Node, CompilationSettings], bool]] = None,
        priority: ConverterPriority = ConverterPriority.STANDARD,
        supports_dynamic_shapes: bool = False,
    ) -> DynamoConverterImplSignature:
        plugin_ns, plugin_name = plugin_id.split("::")
        return _generate_plugin_converter(
            plugin_ns,
            plugin_name,
            capability_validator=capability_validator,
            priority=priority,
            supports_dynamic_shapes=supports_dynamic_shapes,
        )
