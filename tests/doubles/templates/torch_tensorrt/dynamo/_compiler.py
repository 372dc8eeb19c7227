"""A small stand-in for ``torch_tensorrt.dynamo.compile``.

It answers one question for tests: did a custom op become a TensorRT plugin layer, and was it
AOT or JIT? It exports the model with ``torch.export`` (when given a module), walks the
``call_function`` nodes in order and, for every node the converter registry has a validated
converter for, calls that converter with a context whose ``net`` is a recording
``tensorrt.INetworkDefinition``. Nodes without a converter "fall back to PyTorch": they are
listed in ``fallback_targets`` and their outputs become opaque tensors so later converters
still receive ``ITensor`` arguments.

Simplifications: no lowering passes, no partitioning (``min_block_size`` is accepted and
ignored: the double has no ATen converters, so blocks would always be too small), no engine
build (``aot_impl``/``impl`` are never called) and no runtime module: calling the result runs
the exported program eagerly in PyTorch.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Any, Collection, List, Optional, Sequence

import tensorrt as trt
import torch
from torch.fx.node import Node, map_arg

from torch_tensorrt.dynamo._settings import CompilationSettings
from torch_tensorrt.dynamo.conversion._ConversionContext import ConversionContext
from torch_tensorrt.dynamo.conversion._ConverterRegistry import DYNAMO_CONVERTERS
from torch_tensorrt.dynamo.conversion.converter_utils import torch_dtype_to_trt


@dataclass
class DoubleCompiledModule:
    """Result of the stand-in: the recorded network and what was (not) converted."""

    exported_program: Any
    network: Any
    converted_targets: List[Any] = field(default_factory=list)
    fallback_targets: List[Any] = field(default_factory=list)

    @property
    def layers(self) -> List[Any]:
        return self.network.layers

    @property
    def plugin_layers(self) -> List[Any]:
        """Plugin layers; each has ``plugin_id``, ``aot`` (True/False), ``attrs``, ``inputs``."""
        return self.network.plugin_layers

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.exported_program.module()(*args, **kwargs)


def _opaque(name: str, val: Any) -> Any:
    if isinstance(val, torch.Tensor):
        return trt.ITensor(name, torch_dtype_to_trt(val.dtype), tuple(int(d) if isinstance(d, int) else -1 for d in val.shape))
    if isinstance(val, (list, tuple)):
        return type(val)(_opaque(f"{name}_{i}", v) for i, v in enumerate(val))
    return trt.ITensor(name)


def compile(  # noqa: A001 - upstream name
    exported_program: Any,
    inputs: Optional[Sequence[Any]] = None,
    *,
    arg_inputs: Optional[Sequence[Any]] = None,
    kwarg_inputs: Optional[dict] = None,
    assume_dynamic_shape_support: bool = False,
    torch_executed_ops: Optional[Collection[Any]] = None,
    min_block_size: int = 5,
    **_ignored: Any,
) -> DoubleCompiledModule:
    """Convert ``exported_program`` (an ``ExportedProgram`` or, simplified, an ``nn.Module``
    exported here with ``inputs``) into a recording network."""
    args = tuple(arg_inputs if arg_inputs is not None else (inputs or ()))
    if isinstance(exported_program, torch.export.ExportedProgram):
        ep = exported_program
    elif isinstance(exported_program, torch.nn.Module):
        ep = torch.export.export(exported_program, args, kwargs=kwarg_inputs or None)
    else:
        raise TypeError(f"Expected an ExportedProgram or nn.Module, got {type(exported_program)!r}")

    settings = CompilationSettings(
        assume_dynamic_shape_support=assume_dynamic_shape_support,
        torch_executed_ops=set(torch_executed_ops or ()),
        min_block_size=min_block_size,
    )
    DYNAMO_CONVERTERS.set_compilation_settings(settings)
    net = trt.Builder(trt.Logger()).create_network(0)
    ctx = ConversionContext(net, settings)
    result = DoubleCompiledModule(ep, net)
    env: dict[Node, Any] = {}

    for node in ep.graph.nodes:
        if node.op == "placeholder":
            val = node.meta.get("val")
            if isinstance(val, torch.Tensor):
                shape = tuple(int(d) if isinstance(d, int) else -1 for d in val.shape)
                env[node] = net.add_input(node.name, torch_dtype_to_trt(val.dtype), shape)
            else:
                env[node] = val
        elif node.op == "call_function":
            node_args = map_arg(node.args, lambda n: env[n])
            node_kwargs = map_arg(node.kwargs, lambda n: env[n])
            if node.target is operator.getitem and isinstance(node_args[0], (list, tuple)):
                env[node] = node_args[0][node_args[1]]
                continue
            found = DYNAMO_CONVERTERS.get(node)
            if found is None:
                result.fallback_targets.append(node.target)
                env[node] = _opaque(node.name, node.meta.get("val"))
                continue
            converter = found[0]
            env[node] = converter(ctx, node.target, node_args, node_kwargs, node.name)
            result.converted_targets.append(node.target)
        elif node.op == "output":
            outs = map_arg(node.args[0], lambda n: env[n])
            for out in outs if isinstance(outs, (list, tuple)) else [outs]:
                if isinstance(out, trt.ITensor):
                    net.mark_output(out)
        else:
            env[node] = None
    return result
