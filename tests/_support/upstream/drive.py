"""Runs inside a matrix cell: converts one op the way Torch-TensorRT's interpreter does.

:func:`convert` builds the FX node an exported graph would hold, asks upstream's
``DYNAMO_CONVERTERS`` for the converter (capability validators, dynamic-shape support and
priority order applied by upstream's own registry), calls it with a ``ConversionContext`` over
the stand-in network, and reports the layer it added. For an AOT plugin layer it then drives the
plugin as TensorRT's builder does (``get_launch_params``, then ``get_kernel``) through
:func:`tensorrt.build_plugin_layer` of the stand-in, and reports the kernel, the PTX and the
launch.
"""

from __future__ import annotations

import hashlib
import traceback
from collections.abc import Sequence
from typing import Any


def convert(target: Any, shapes: Sequence[Sequence[int]], attrs: Sequence[Any] = (), *,
            dtype: str = "float32", kwargs: dict[str, Any] | None = None) -> dict[str, Any]:
    """Convert ``target(*tensors, *attrs)``; a dict describing the outcome, never an exception."""
    try:
        return _convert(target, shapes, attrs, dtype, kwargs or {})
    except Exception as exc:  # the outcome is data: the matrix reports it
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:500],
                "where": traceback.format_exc().strip().splitlines()[-3][:300]}


def _convert(target: Any, shapes: Sequence[Sequence[int]], attrs: Sequence[Any], dtype: str,
             kwargs: dict[str, Any]) -> dict[str, Any]:
    import tensorrt as trt
    import torch
    from torch_tensorrt.dynamo import CompilationSettings
    from torch_tensorrt.dynamo.conversion._ConversionContext import ConversionContext
    from torch_tensorrt.dynamo.conversion._ConverterRegistry import DYNAMO_CONVERTERS

    torch_dtype = getattr(torch, dtype)
    graph = torch.fx.Graph()
    placeholders = []
    for index, shape in enumerate(shapes):
        node = graph.placeholder(f"x{index}")
        node.meta["val"] = torch.empty(shape, dtype=torch_dtype, device="meta")
        placeholders.append(node)
    call = graph.call_function(target, (*placeholders, *attrs), kwargs)
    call.meta["val"] = torch.empty(shapes[0], dtype=torch_dtype, device="meta")
    graph.output(call)

    settings = CompilationSettings()
    if hasattr(DYNAMO_CONVERTERS, "set_compilation_settings"):
        DYNAMO_CONVERTERS.set_compilation_settings(settings)
    packet = DYNAMO_CONVERTERS.get(call)
    if packet is None:
        return {"ok": False, "error": f"no validated converter for {target}"}
    converter, _convention = packet[0], packet[1]

    builder = trt.Builder(trt.Logger())
    net = builder.create_network(0)
    trt_dtype = {"float32": trt.float32, "float16": trt.float16}[dtype]
    itensors = [net.add_input(f"x{i}", trt_dtype, tuple(shape)) for i, shape in enumerate(shapes)]
    ctx = ConversionContext(net, settings)
    before = len(net.layers)
    out = converter(ctx, target, (*itensors, *attrs), kwargs, "node")
    added = net.layers[before:]
    plugins = [layer for layer in added if isinstance(layer, trt.IPluginV3Layer)]
    result: dict[str, Any] = {
        "ok": bool(plugins) and out is not None,
        "converter": getattr(converter, "__qualname__", repr(converter)),
        "converter_module": getattr(converter, "__module__", None),
        "layers": len(added),
        "plugin_layers": len(plugins),
    }
    if not plugins:
        result["error"] = "the converter added no plugin layer"
        return result
    layer = plugins[-1]
    plugin = layer.plugin
    result["plugin"] = f"{plugin.plugin_namespace}::{plugin.plugin_name}"
    result["attrs"] = {k: _plain(v) for k, v in (getattr(plugin, "attrs", None) or {}).items()}
    built = trt.build_plugin_layer(layer, [tuple(s) for s in shapes], [trt_dtype] * (len(shapes) + 1))
    result["kind"] = "aot" if built["aot"] else "jit"
    result["output_shapes"] = [list(s) for s in built["output_shapes"]]
    if built["aot"]:
        result.update(kernel_name=built["kernel_name"], ptx_sha256=hashlib.sha256(built["ptx"]).hexdigest(),
                      grid=built["grid"], block=built["block"], shared_mem=built["shared_mem"],
                      extras=built["extras"], extra_dtypes=built["extra_dtypes"])
    return result


def kernels_registration(op_id: str) -> dict[str, Any]:
    """What one ``torch_tensorrt.kernels.ptx_op`` call left for ``op_id``: the torch op, the QDP, the converters."""
    import torch
    from tensorrt.plugin._lib import QDP_REGISTRY
    from torch_tensorrt.dynamo.conversion._ConverterRegistry import DYNAMO_ATEN_CONVERTERS

    namespace, name = op_id.split("::")
    overload = getattr(getattr(torch.ops, namespace), name).default
    definition = QDP_REGISTRY.get(op_id)
    aot_impl = getattr(definition, "aot_impl_func", None)
    supports = DYNAMO_ATEN_CONVERTERS.get(overload, [])
    return {
        "schema": str(overload._schema),
        "qdp": definition is not None,
        "aot_impl": getattr(aot_impl, "__name__", None),
        "aot_impl_ptx_sha256": hashlib.sha256(str(aot_impl.__globals__.get("_ptx_str", "")).encode()).hexdigest()
        if aot_impl is not None else None,
        "converters": len(supports),
        "dynamic": [bool(getattr(s, "supports_dynamic_shapes", False)) for s in supports],
    }


def _plain(value: Any) -> Any:
    try:
        import numpy as np

        if isinstance(value, np.ndarray):
            return value.tolist()
        if isinstance(value, np.generic):
            return value.item()
    except ImportError:  # pragma: no cover
        pass
    return value if isinstance(value, (int, float, str, bool, type(None))) else repr(value)


def attribute_value(attribute: Any) -> Any:
    """A plugin attribute as :func:`convert` reports it, as a number: one-element arrays are unwrapped."""
    if isinstance(attribute, list):
        assert len(attribute) == 1, attribute
        return attribute[0]
    return attribute
