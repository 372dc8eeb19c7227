"""What the hub knows about upstream releases: version rules, read from each release's own sources.

Pure data and small pure functions (no upstream import): the decisions apply these rules before
any plugin code runs, activation confirms them against the imported modules, and the support
matrix page is generated from a test run that checks them against the real Python layers of every
release. When a rule here changes, the matrix run is what proves it. The rules that compare
releases import :mod:`trt_plugin_hub._versions` when they run: an activation from the plan uses
only the rules about signatures, and does not load it.
"""

from __future__ import annotations

import importlib.machinery
import inspect
import sys
from collections.abc import Iterable, Mapping, Sequence
from types import FunctionType
from typing import Any

__all__ = [
    "AOT_MIN_TENSORRT",
    "AOT_MIN_TORCH_TENSORRT",
    "KERNELS_MIN_TORCH_TENSORRT",
    "MIN_TORCH_TENSORRT",
    "NUMPY_SCALAR_BREAK",
    "PTX_OP_KEYWORDS",
    "PTX_OP_POSITIONAL",
    "QDP_MIN_TENSORRT",
    "RESERVED_NAMESPACES",
    "SCALAR_ATTRIBUTES_FIXED_TENSORRT",
    "aot_impl_call_args",
    "aot_impl_call_problem",
    "generator_keywords",
    "kernels_supported",
    "namespace_owner",
    "ptx_op_aot_problem",
    "ptx_op_signature_problem",
    "qdp_gate",
    "qdp_module_resolves",
    "scalar_attribute_names",
    "scalar_attributes_broken",
    "torch_pairing_problem",
]

QDP_MIN_TENSORRT = (10, 7)
AOT_MIN_TENSORRT = (10, 9)
MIN_TORCH_TENSORRT = (2, 6)
#: ``use_aot_if_available`` (and so AOT converters) exists from Torch-TensorRT 2.8.0.
AOT_MIN_TORCH_TENSORRT = (2, 8)
#: TensorRT 11.2.1 reads a one-element PluginField back as a scalar; earlier releases call
#: ``int()`` / ``float()`` on the 1-D array, which numpy 2.4 made a TypeError.
SCALAR_ATTRIBUTES_FIXED_TENSORRT = (11, 2, 1)
#: ``torch_tensorrt.kernels`` (``ptx_op``, ``cuda_kernel_op``) exists from Torch-TensorRT 2.13.0;
#: 2.12's ``custom_op`` has neither ``use_aot_if_available`` nor the AOT registration hook it uses.
KERNELS_MIN_TORCH_TENSORRT = (2, 13)
#: ``ptx_op``'s positional parameters, in order, and the keywords the hub passes (2.13.0 and 2.14.0).
PTX_OP_POSITIONAL = ("op_name", "ptx", "kernel_name", "meta_fn", "eager_fn", "aot_fn")
PTX_OP_KEYWORDS = ("supports_dynamic_shapes", "requires_output_allocator", "priority", "capability_validator",
                   "schema")
NUMPY_SCALAR_BREAK = (2, 4)

#: TensorRT minor releases each Torch-TensorRT release switches QDP off for, exactly as its own
#: ``torch_tensorrt/_features.py`` says (2.10.0 also switches its *public* QDP API off for every
#: TensorRT; the private generator the hub calls still works there).
_QDP_GATES: Mapping[tuple[int, int], tuple[tuple[int, int], ...]] = {
    (2, 10): ((10, 14),),
    (2, 11): ((10, 14), (10, 15)),
    (2, 12): ((10, 14), (10, 15)),
    (2, 13): ((10, 14),),
    (2, 14): ((10, 14),),
}
#: Releases newer than the table are assumed to keep the newest rule; activation confirms it
#: against the release's own ``ENABLED_FEATURES``.
_NEWEST_GATED = max(_QDP_GATES)


#: Operator namespaces that belong to PyTorch, Torch-TensorRT and TensorRT: a plugin may not
#: provide ops there (``OP_NAMESPACE_RESERVED``) unless the user allows the exact op id.
RESERVED_NAMESPACES: Mapping[str, tuple[str, ...]] = {
    "PyTorch": ("aten", "prim", "prims", "torch", "quantized", "_quantized", "quantized_decomposed", "c10d",
                "c10d_functional", "_c10d_functional", "_c10d_functional_autograd", "_dtensor", "inductor",
                "higher_order", "mkldnn", "onednn", "profiler", "debugprims", "rngprims", "symm_mem", "fbgemm",
                "torchvision", "torchaudio", "torchao"),
    "Torch-TensorRT": ("torch_tensorrt", "tensorrt", "trt", "tensorrt_llm", "torchtrt"),
    "TensorRT": ("", "trt", "tensorrt", "std"),
}


def namespace_owner(namespace: str) -> str | None:
    """Who owns an operator namespace a plugin may not use, or ``None``."""
    for owner, namespaces in RESERVED_NAMESPACES.items():
        if namespace in namespaces:
            return owner
    return None


def qdp_gate(tensorrt: str | None, torch_tensorrt: str | None) -> str | None:
    """The sentence for a Torch-TensorRT release that switches QDP off for this TensorRT, or None."""
    from ._versions import release_tuple

    trt = release_tuple(tensorrt, 2)
    tt = release_tuple(torch_tensorrt, 2)
    if trt is None or tt is None or tt < min(_QDP_GATES):
        return None
    gated = _QDP_GATES.get((tt[0], tt[1]), _QDP_GATES[_NEWEST_GATED] if tt > _NEWEST_GATED else ())
    if (trt[0], trt[1]) not in gated:
        return None
    allowed = ", ".join(f"{a}.{b}.x" for a, b in gated)
    return (f"Torch-TensorRT {torch_tensorrt} switches QDP plugins off for TensorRT {allowed} (a known TensorRT "
            f"bug), found {tensorrt}: install the TensorRT release your Torch-TensorRT pins")


#: Torch-TensorRT releases that pin one torch release exactly (the others pin their minor release).
_EXACT_TORCH_PINS: Mapping[tuple[int, int], tuple[int, int, int]] = {(2, 6): (2, 6, 0)}


def torch_pairing_problem(torch: str | None, torch_tensorrt: str | None) -> str | None:
    """The sentence for a torch that the Torch-TensorRT release does not pin, or None.

    Every Torch-TensorRT release from 2.6 on requires the torch of its own minor release (2.6.0:
    ``torch==2.6.0``; 2.7.0-2.14.0: ``torch>=X.Y,<X.Y+1``, as each wheel's metadata says); its
    compiled extension is built against that torch, and another one may fail to load or convert.
    """
    from ._versions import release_tuple

    tt = release_tuple(torch_tensorrt, 2)
    found = release_tuple(torch, 3)
    if tt is None or found is None or tt < MIN_TORCH_TENSORRT:
        return None
    exact = _EXACT_TORCH_PINS.get((tt[0], tt[1]))
    if exact is not None:
        if found == exact:
            return None
        pin = "==" + ".".join(map(str, exact))
    else:
        if found[:2] == tt:
            return None
        pin = f">={tt[0]}.{tt[1]},<{tt[0]}.{tt[1] + 1}"
    return (f"Torch-TensorRT {torch_tensorrt} pins torch{pin}, found torch {torch}: install the torch release it "
            "pins, or the Torch-TensorRT release built for this torch")


def qdp_module_resolves() -> tuple[bool, str]:
    """Whether ``tensorrt.plugin._lib`` would import here, resolved without running any code.

    The answer follows the import system (each package's search path, as ``find_spec`` would),
    not which directories exist: on pip installs the QDP sources live in ``tensorrt_bindings``
    but are importable as ``tensorrt.plugin`` only when a frontend or the ``tensorrt`` package
    puts ``tensorrt/plugin`` in place (TensorRT 10.7-10.13 through the ``tensorrt`` package,
    10.15+ through the ``tensorrt-cuXX`` frontend; 10.14's frontend ships ``plugin/__init__.py``
    alone). Once ``tensorrt`` is imported its real ``__path__`` is used.
    """
    module = sys.modules.get("tensorrt")
    search: Sequence[str] | None = None
    if module is not None:
        search = list(getattr(module, "__path__", None) or [])
    if not search:
        spec = importlib.machinery.PathFinder.find_spec("tensorrt")
        if spec is None or not spec.submodule_search_locations:
            return False, "no importable 'tensorrt' package"
        search = list(spec.submodule_search_locations)
    plugin = importlib.machinery.PathFinder.find_spec("tensorrt.plugin", search)
    if plugin is None or not plugin.submodule_search_locations:
        return False, "'tensorrt.plugin' is not importable (this TensorRT install ships no tensorrt/plugin)"
    lib = importlib.machinery.PathFinder.find_spec("tensorrt.plugin._lib", list(plugin.submodule_search_locations))
    if lib is None:
        return False, ("'tensorrt.plugin._lib' is not importable "
                       "(this TensorRT install ships tensorrt/plugin only in part)")
    return True, "tensorrt.plugin._lib resolves"


def scalar_attributes_broken(tensorrt: str | None, numpy: str | None) -> bool:
    """Whether int/float plugin attributes fail at ``add_plugin`` with these releases."""
    from ._versions import parse_version, release_at_least, release_tuple

    trt = release_tuple(tensorrt, 3)
    if trt is None or numpy is None or parse_version(numpy) is None:
        return False
    return release_at_least(numpy, NUMPY_SCALAR_BREAK) and trt < SCALAR_ATTRIBUTES_FIXED_TENSORRT


def scalar_attribute_names(input_attrs: Mapping[str, Any] | None) -> list[str]:
    """The attributes of a QDP definition annotated ``int`` or ``float`` (``bool`` still converts)."""
    return [name for name, annotation in (input_attrs or {}).items() if annotation in (int, float)]


def aot_impl_call_args(input_tensor_names: Iterable[str], input_attrs: Iterable[str]) -> list[str]:
    """The arguments TensorRT's engine build passes an ``aot_impl``, positionally, in this order.

    ``aot_impl(*tensor_descs, *every_attribute, outputs, tactic)``: every input tensor, every
    attribute in registration order, then ``outputs`` and ``tactic``, whatever parameters the
    function declares.
    """
    return [*input_tensor_names, *input_attrs, "outputs", "tactic"]


def aot_impl_call_problem(aot_impl: Any, input_tensor_names: Sequence[str],
                          input_attrs: Mapping[str, Any]) -> str | None:
    """Why TensorRT's call of ``aot_impl`` would fail, or ``None`` when it binds.

    TensorRT's builder calls ``aot_impl`` as :func:`aot_impl_call_args` says, positionally, so an
    ``aot_impl`` that takes only some of the attributes registers fine and fails with a TypeError
    during the engine build.
    """
    expected = aot_impl_call_args(input_tensor_names, input_attrs)
    if _binds_positionally(aot_impl, len(expected)):
        return None  # what inspect.signature(aot_impl).bind(*expected) would say, read off the code object
    try:
        signature = inspect.signature(aot_impl)
    except (TypeError, ValueError):
        return None
    try:
        signature.bind(*expected)
    except TypeError as exc:
        declared = ", ".join(signature.parameters)
        return f"it takes ({declared}) but TensorRT calls it as ({', '.join(expected)}): {exc}"
    return None


def _binds_positionally(function: Any, count: int) -> bool:
    """Whether a plain Python function certainly accepts ``count`` positional arguments.

    ``inspect.signature`` costs ~15 us a function; this reads the code object of a plain function
    (no ``__wrapped__``, no ``__signature__``: what ``inspect`` would follow instead). ``False``
    means "ask ``inspect``", which also words the problem.
    """
    if type(function) is not FunctionType or "__wrapped__" in function.__dict__ or "__signature__" in function.__dict__:
        return False
    code = function.__code__
    positional = code.co_argcount
    required = positional - len(function.__defaults__ or ())
    if count < required or (count > positional and not code.co_flags & inspect.CO_VARARGS):
        return False
    keyword_only = code.co_varnames[positional:positional + code.co_kwonlyargcount]
    defaults = function.__kwdefaults__ or {}
    return all(name in defaults for name in keyword_only)


def kernels_supported(torch_tensorrt: str | None) -> bool:
    """Whether this Torch-TensorRT release has ``torch_tensorrt.kernels`` (unknown: assumed so)."""
    from ._versions import release_at_least, release_tuple

    return torch_tensorrt is None or release_tuple(torch_tensorrt, 2) is None or release_at_least(
        torch_tensorrt, KERNELS_MIN_TORCH_TENSORRT)


def ptx_op_signature_problem(ptx_op: Any) -> str | None:
    """Why ``ptx_op`` cannot be called as the hub calls it, or ``None``.

    The hub passes :data:`PTX_OP_POSITIONAL` positionally and :data:`PTX_OP_KEYWORDS` by name;
    ``torch_tensorrt.kernels`` is experimental, so a release that renames one is refused rather
    than half-registered by a TypeError.
    """
    if not callable(ptx_op):
        return "torch_tensorrt.kernels.ptx_op is not callable"
    try:
        parameters = inspect.signature(ptx_op).parameters
    except (TypeError, ValueError):
        return None
    names = list(parameters)
    if tuple(names[:len(PTX_OP_POSITIONAL)]) != PTX_OP_POSITIONAL:
        return f"ptx_op takes ({', '.join(names)}), not ({', '.join(PTX_OP_POSITIONAL)}, ...)"
    missing = [name for name in PTX_OP_KEYWORDS if name not in parameters]
    if missing:
        return f"ptx_op has no keyword {', '.join(missing)}"
    return None


#: How ``ptx_op``'s generated ``aot_impl`` calls the op's ``aot`` function: the tensor descriptors
#: as one list, the output descriptors, the tactic (attributes never reach it).
PTX_OP_AOT_ARGS = ("inputs", "outputs", "tactic")


def ptx_op_aot_problem(aot_fn: Any) -> str | None:
    """Why ``ptx_op``'s engine-build call ``aot_fn(inputs, outputs, tactic)`` would fail, or ``None``."""
    try:
        signature = inspect.signature(aot_fn)
    except (TypeError, ValueError):
        return None
    try:
        signature.bind(*PTX_OP_AOT_ARGS)
    except TypeError as exc:
        return (f"it takes ({', '.join(signature.parameters)}) but torch_tensorrt.kernels calls it as "
                f"({', '.join(PTX_OP_AOT_ARGS)}): {exc}")
    return None


def generator_keywords(parameters: Sequence[str], *, use_aot: bool, requires_output_allocator: bool,
                       ) -> dict[str, Any]:
    """The optional keyword arguments to pass to ``_generate_plugin_converter``.

    ``use_aot_if_available`` exists from 2.8.0 and ``requires_output_allocator`` from 2.7.0;
    passing either to a release without it is a TypeError. Releases without
    ``use_aot_if_available`` generate JIT converters only, which is what a JIT op asks for.
    Raises ``TypeError`` when a value other than the default is needed but not supported.
    """
    keywords: dict[str, Any] = {}
    if "use_aot_if_available" in parameters:
        keywords["use_aot_if_available"] = use_aot
    elif use_aot:
        raise TypeError("this Torch-TensorRT has no use_aot_if_available: it generates JIT converters only")
    if "requires_output_allocator" in parameters:
        keywords["requires_output_allocator"] = requires_output_allocator
    elif requires_output_allocator:
        raise TypeError("this Torch-TensorRT has no requires_output_allocator option (added in 2.7.0)")
    return keywords
