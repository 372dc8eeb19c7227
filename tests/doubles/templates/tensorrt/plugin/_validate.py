"""Signature validation of QDP decorators, with upstream's rules.

``register``: every parameter annotated, no defaults, TensorDesc parameters first (and at least
one), attribute names other than ``outputs``/``stream``/``tactic``, attribute types int, float,
str, bool, bytes or 1-D numpy arrays of int8/16/32/64, float16/32/64, bool (annotated
``npt.NDArray[dtype]`` unless lazily registered). ``impl``/``aot_impl``/``autotune``: parameter
list must be the tensors, a subset of the attributes in registration order, then ``outputs``
(+ ``stream`` for impl) (+ optional ``tactic``). Annotations are compared as objects, so string
annotations (``from __future__ import annotations``) break validation here as they do upstream.
"""

from __future__ import annotations

import inspect
import types
import typing
from typing import Any, Callable

from ._autotune import AutoTuneCombination
from ._export import IS_AOT_ENABLED
from ._tensor import SymExprs, Tensor, TensorDesc
from ._utils import _infer_numpy_type, _is_npt_ndarray, _is_numpy_array, _join_with, np

if IS_AOT_ENABLED:
    from ._tensor import KernelLaunchParams

SERIALIZABLE_BUILTIN_TYPES = (int, float, bytes, bool, str)
SERIALIZABLE_NP_DTYPES: tuple[Any, ...] = (
    (np.int8, np.int16, np.int32, np.int64, np.float16, np.float32, np.float64, bool, np.bool_)
    if np is not None
    else ()
)

RESERVED_NAMESPACES = {"", "trt", "tensorrt", "std"}
DISALLOWED_ATTR_NAMES = {"outputs", "stream", "tactic"}


def _validate_name_and_namespace(ns: str, name: str) -> None:
    if "." in ns:
        raise ValueError(
            f"Provided namespace {ns} cannot have any '.' in trt.plugin.register(\"{ns}::{name}\", ...)"
        )
    if "." in name:
        raise ValueError(
            f"Provided name {name} cannot have any '.' in trt.plugin.register(\"{ns}::{name}\", ...)"
        )
    if ns in RESERVED_NAMESPACES:
        raise ValueError(f"Provided namespace {ns} is a reserved namespace")


def _parse_register_inputs(
    register_func: Callable[..., Any], lazy_register: bool
) -> tuple[list[str], dict[str, Any], str, dict[str, tuple[bool, Any]]]:
    """Returns (tensor names, ordered attr name -> annotation, schema text, attr serial types)."""
    tensor_names: list[str] = []
    input_attrs: dict[str, Any] = {}
    schema_chunks: list[str] = []
    attrs_types: dict[str, tuple[bool, Any]] = {}
    saw_first_attr = False
    sig = inspect.signature(register_func)

    for idx, (name, param) in enumerate(sig.parameters.items()):
        if param.kind not in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY):
            raise ValueError(f"Argument {name} is not a positional-or-keyword or keyword-only arg")
        if param.annotation is inspect.Parameter.empty:
            raise ValueError(
                f"Argument {name} does not have a type annotation. Please mark as TensorDesc or "
                "one of the serializable attribute types."
            )
        if param.default is not inspect.Parameter.empty:
            raise ValueError(
                f"Argument {name} has a default value. Default values are not supported yet."
            )

        if issubclass(param.annotation, TensorDesc):
            if saw_first_attr:
                raise ValueError(
                    "TensorDescs args and attribute args cannot be interspersed. Received "
                    f"function with signature {sig}."
                )
            tensor_names.append(name)
            schema_chunks.append(f"TensorDesc {name}")
            continue

        if idx == 0:
            raise ValueError(
                "TensorDescs args should come first, followed by attributes. Received function "
                f"with signature {sig}."
            )
        if name in DISALLOWED_ATTR_NAMES:
            raise ValueError(f"'{name}' is not allowed as a plugin attribute name.")

        if param.annotation in SERIALIZABLE_BUILTIN_TYPES:
            attrs_types[name] = (True, param.annotation)
        elif _is_numpy_array(param.annotation):
            if not lazy_register:
                if param.annotation is np.ndarray:
                    raise ValueError(
                        "If using non-lazy registration, annotate numpy array attributes using "
                        "'numpy.typing.NDArray[dtype]', where 'dtype' is the expected numpy dtype "
                        "of the array."
                    )
                if _is_npt_ndarray(param.annotation):
                    np_dtype = _infer_numpy_type(param.annotation)
                    if np_dtype not in SERIALIZABLE_NP_DTYPES:
                        raise ValueError(
                            f"Attribute '{name}' is not a supported numpy array type. Supported "
                            f"numpy arrays type are {SERIALIZABLE_NP_DTYPES}."
                        )
                    attrs_types[name] = (False, np_dtype)
        else:
            raise ValueError(
                f"Attribute '{name}' of type {param.annotation} is not a supported serializable "
                f"type. Supported types are {SERIALIZABLE_BUILTIN_TYPES} or numpy arrays of type "
                f"{SERIALIZABLE_NP_DTYPES}."
            )
        saw_first_attr = True
        schema_chunks.append(f"{param.annotation} {name}")
        input_attrs[name] = param.annotation

    return tensor_names, input_attrs, f"({_join_with(schema_chunks)})", attrs_types


def _parse_register_return(register_func: Callable[..., Any]) -> int:
    """Number of outputs from the ``TensorDesc`` / ``Tuple[TensorDesc, ...]`` return annotation."""
    sig = inspect.signature(register_func)
    ret = sig.return_annotation
    if ret is inspect.Parameter.empty:
        raise ValueError(f"No return annotation found for register function. Received signature {sig}.")
    if typing.get_origin(ret) is not tuple:
        if not inspect.isclass(ret) or not issubclass(ret, TensorDesc):
            raise ValueError(
                f"Return argument is of type {ret}. Return types can only be TensorDesc or "
                "Tuple[TensorDesc]."
            )
        return 1
    args = typing.get_args(ret)
    for arg in args:
        if not issubclass(arg, TensorDesc):
            raise ValueError(
                f"Return argument is of type {ret}. Return types can only be TensorDesc or "
                "Tuple[TensorDesc]."
            )
    return len(args)


def _check_outputs_annotation(annotation: Any, element: type, what: str) -> None:
    if typing.get_origin(annotation) is not tuple:
        raise ValueError(f"'outputs' should be of type Tuple[{what}]. Received {annotation}.")
    for arg in typing.get_args(annotation):
        if not issubclass(arg, element):
            raise ValueError(
                f"Argument for receiving output {what}, 'outputs' contains a {annotation}. "
                f"'outputs' should be a Tuple[{what}]."
            )


def _collect_attr(name: str, param: inspect.Parameter, plugin_def: Any, where: str, names: list[str]) -> None:
    if name not in plugin_def.input_attrs:
        raise ValueError(
            f"Unexpected attribute '{name}' specified in {where} function. Expected one of "
            f"{list(plugin_def.input_attrs.keys())}."
        )
    if param.annotation != plugin_def.input_attrs[name]:
        raise ValueError(
            f"Attribute '{name}' has a type annotation different from the one specified at "
            f"registration. Expected '{plugin_def.input_attrs[name]}'."
        )
    names.append(name)


def _expected_schema(plugin_def: Any, attr_names: list[str], tail: str) -> str:
    ordered = [n for n in plugin_def.input_attrs if n in attr_names]
    return "(" + _join_with(plugin_def.input_tensor_names) + _join_with(ordered, True) + tail


def _validate_impl(impl_func: Callable[..., Any], plugin_def: Any) -> tuple[list[str], bool]:
    """Returns (attribute names the impl takes, whether it takes ``tactic``)."""
    sig = inspect.signature(impl_func)
    attr_names: list[str] = []
    found_tactic = False
    for name, param in sig.parameters.items():
        if name == "tactic":
            found_tactic = True
        if param.annotation is inspect.Parameter.empty:
            if name in plugin_def.input_attrs:
                attr_names.append(name)
            continue
        if name == "outputs":
            _check_outputs_annotation(param.annotation, Tensor, "Tensor")
        elif name in ("stream", "tactic"):
            if not issubclass(param.annotation, int):
                raise ValueError(f"'{name}' input argument should be an int")
        elif issubclass(param.annotation, Tensor):
            if name not in plugin_def.input_tensor_names:
                raise ValueError(
                    f"Unexpected tensor '{name}' specified in autotune function. Expected one of "
                    f"{plugin_def.input_tensor_names}."
                )
        else:
            _collect_attr(name, param, plugin_def, "impl", attr_names)

    expected = _expected_schema(plugin_def, attr_names, ", outputs, stream")
    expected += ", tactic)" if found_tactic else ")"
    if f"({', '.join(sig.parameters.keys())})" != expected:
        raise ValueError(
            f"Signature of the impl function '{sig}' does not match the expected input arg schema: {expected}"
        )
    if sig.return_annotation is not inspect.Parameter.empty and sig.return_annotation is not None:
        raise ValueError("Return annotation should be None.")
    return attr_names, found_tactic


def _validate_aot_impl(aot_impl_func: Callable[..., Any], plugin_def: Any) -> list[str]:
    """Returns the attribute names the AOT implementation takes."""
    sig = inspect.signature(aot_impl_func)
    attr_names: list[str] = []
    for name, param in sig.parameters.items():
        if param.annotation is inspect.Parameter.empty:
            if name in plugin_def.input_attrs:
                attr_names.append(name)
            continue
        if name == "outputs":
            _check_outputs_annotation(param.annotation, TensorDesc, "TensorDesc")
        elif name == "tactic":
            if not issubclass(param.annotation, int):
                raise ValueError("'tactic' input argument should be an int")
        elif issubclass(param.annotation, TensorDesc):
            if name not in plugin_def.input_tensor_names:
                raise ValueError(
                    f"Unexpected tensor '{name}' specified in autotune function. Expected one of "
                    f"{plugin_def.input_tensor_names}."
                )
        else:
            _collect_attr(name, param, plugin_def, "aot_impl", attr_names)

    expected = _expected_schema(plugin_def, attr_names, ", outputs, tactic)")
    if f"({', '.join(sig.parameters.keys())})" != expected:
        raise ValueError(
            f"Signature of the aot_impl function '{sig}' does not match the expected input arg schema: {expected}"
        )

    ret = sig.return_annotation
    wanted = (
        "tuple[str | bytes, str | bytes, tensorrt.plugin.KernelLaunchParams, "
        "tensorrt.plugin.SymIntExprs]"
    )
    if ret is inspect.Parameter.empty:
        raise ValueError(f"No return annotation found for aot_impl function. Received signature {sig}.")
    if typing.get_origin(ret) is not tuple or len(typing.get_args(ret)) != 4:
        raise ValueError(f"Return annotation is {ret}. Expected {wanted}.")
    args = typing.get_args(ret)

    def str_or_bytes(index: int) -> None:
        candidates = (
            typing.get_args(args[index])
            if typing.get_origin(args[index]) in (typing.Union, types.UnionType)
            else (args[index],)
        )
        for c in candidates:
            if c is not str and c is not bytes:
                raise ValueError(
                    f"Return annotation for argument at {index} is '{c}'. Expected 'str' or 'bytes'."
                )

    str_or_bytes(0)
    str_or_bytes(1)
    if not issubclass(args[2], KernelLaunchParams):
        raise ValueError(
            f"Argument at index 2 of return annotation is '{args[2]}'. Expected "
            "'tensorrt.plugin.KernelLaunchParams'."
        )
    if not issubclass(args[3], SymExprs):
        raise ValueError(
            f"Argument at index 3 of return annotation is '{args[3]}'. Expected a descendent of "
            "tensorrt.plugin.SymExprs."
        )
    return attr_names


def _validate_autotune(autotune_func: Callable[..., Any], plugin_def: Any) -> list[str]:
    """Returns the attribute names the autotune function takes."""
    sig = inspect.signature(autotune_func)
    attr_names: list[str] = []
    for name, param in sig.parameters.items():
        if param.annotation is inspect.Parameter.empty:
            if name in plugin_def.input_attrs:
                attr_names.append(name)
            continue
        if name == "outputs":
            _check_outputs_annotation(param.annotation, TensorDesc, "TensorDesc")
        elif issubclass(param.annotation, TensorDesc):
            if name not in plugin_def.input_tensor_names:
                raise ValueError(
                    f"Unexpected tensor '{name}' specified in autotune function. Expected one of "
                    f"{plugin_def.input_tensor_names}."
                )
        else:
            _collect_attr(name, param, plugin_def, "autotune", attr_names)

    expected = _expected_schema(plugin_def, attr_names, ", outputs)")
    if f"({', '.join(sig.parameters.keys())})" != expected:
        raise ValueError(
            f"Specified autotune function signature {sig} is not consistent with the expected "
            f"input arg schema {expected}."
        )
    ret = sig.return_annotation
    if ret is not inspect.Parameter.empty:
        if typing.get_origin(ret) is list:
            bad = [a for a in typing.get_args(ret) if not issubclass(a, AutoTuneCombination)]
        else:
            bad = [] if inspect.isclass(ret) and issubclass(ret, AutoTuneCombination) else [ret]
        if bad:
            raise ValueError(
                f"Return argument is of type {ret}. Return types can only be AutoTuneCombination "
                "or List[AutoTuneCombination]."
            )
    return attr_names
