"""TensorRT's QDP rules and the torch schema rules, checked on an op's sources as :mod:`.sources` reads them.

The ``@trtp.register`` function (names, attribute types, defaults, tensors first, outputs), the
implementation the op's kind needs, the order TensorRT's engine build calls ``@trtp.aot_impl``
in, and the torch op's schema against the plugin's.
"""

from __future__ import annotations

import ast
import difflib
from collections.abc import Mapping
from dataclasses import dataclass, replace

from trt_plugin_hub._manifest import MANIFEST_FILENAME, OpSpec, parse_signature
from trt_plugin_hub._upstream import aot_impl_call_args

from .model import Findings, Severity
from .sources import Decorated, Source, Sources, TorchSchema, annotation_text, dotted_name, qualify

__all__ = ["Signature", "check_op_sources"]


_RESERVED_ATTRS = ("outputs", "stream", "tactic")
_BUILTIN_ATTR_TYPES = ("int", "float", "str", "bool", "bytes")
_NUMPY_DTYPES = ("int8", "int16", "int32", "int64", "float16", "float32", "float64", "bool", "bool_")


@dataclass(frozen=True)
class Signature:
    """What a @trtp.register function declares: tensor and attribute names, attribute types, outputs."""

    tensors: tuple[str, ...]
    attrs: tuple[tuple[str, str], ...]
    outputs: int | None
    #: The op's ``@trtp.aot_impl`` calls ``trt_plugin_hub.aot.launch``, which needs ``launch``.
    hub_launch: bool = False


def _numpy_ok(expr: ast.expr, aliases: Mapping[str, str]) -> bool | None:
    """Whether ``expr`` is ``npt.NDArray[np.<supported dtype>]`` (None: not a numpy annotation)."""
    if isinstance(expr, ast.Subscript):
        base = qualify(expr.value, aliases)
        if base not in ("numpy.typing.NDArray", "numpy.ndarray"):
            return None
        for node in ast.walk(expr.slice):
            if isinstance(node, (ast.Name, ast.Attribute)):
                name = qualify(node, aliases) or ""
                if name == "bool" or (name.startswith("numpy.") and name[len("numpy."):] in _NUMPY_DTYPES):
                    return True
        return False
    if qualify(expr, aliases) == "numpy.ndarray":
        return False
    return None


def _check_register(ctx: Findings, op_id: str, entry: Decorated) -> Signature:
    """TensorRT's @trtp.register rules, read from the source; returns what the function declares."""
    file = f"{entry.source.display}:{entry.line}"
    fn = entry.function.name
    aliases = entry.source.aliases
    tensors: list[str] = []
    attrs: list[tuple[str, str]] = []
    saw_attr = reported_first = False
    for index, param in enumerate(entry.params()):
        label = f"{fn}({param.name})"
        if param.positional_only_or_variadic:
            ctx.add(Severity.ERROR, "QDP_SIGNATURE_INVALID", file, label,
                    f"{op_id}: parameter {param.name!r} of @trtp.register function {fn} is positional-only or "
                    "variadic; TensorRT accepts plain or keyword-only parameters",
                    "declare one named parameter per tensor and attribute")
            continue
        if param.annotation is None:
            ctx.add(Severity.ERROR, "QDP_SIGNATURE_INVALID", file, label,
                    f"{op_id}: parameter {param.name!r} of @trtp.register function {fn} has no annotation",
                    "annotate tensors as trtp.TensorDesc and attributes as int, float, str, bool, bytes or "
                    "numpy.typing.NDArray[dtype]")
            continue
        if param.has_default:
            ctx.add(Severity.ERROR, "QDP_ATTR_DEFAULT", file, label,
                    f"{op_id}: parameter {param.name!r} of @trtp.register function {fn} has a default value; "
                    "TensorRT refuses defaults in a plugin's register signature",
                    f"remove the default from {fn}; give it in the torch op's schema instead")
        text = annotation_text(param.annotation)
        if isinstance(param.annotation, ast.Constant) and isinstance(param.annotation.value, str):
            ctx.add(Severity.ERROR, "QDP_SIGNATURE_INVALID", file, label,
                    f"{op_id}: parameter {param.name!r} is annotated with the string {text}; TensorRT compares "
                    "annotations as objects", "write the annotation as an expression, not a string")
            continue
        if text.split(".")[-1] == "TensorDesc":
            if saw_attr:
                ctx.add(Severity.ERROR, "QDP_TENSORS_NOT_FIRST", file, label,
                        f"{op_id}: tensor {param.name!r} of {fn} comes after an attribute; TensorRT needs every "
                        "TensorDesc parameter before the attributes",
                        f"move {param.name!r} before the attributes (the torch schema must list tensors first too)")
            tensors.append(param.name)
            continue
        if index == 0:
            reported_first = True
            ctx.add(Severity.ERROR, "QDP_TENSORS_NOT_FIRST", file, label,
                    f"{op_id}: the first parameter of {fn}, {param.name!r}, is not a trtp.TensorDesc; TensorRT "
                    "needs the tensors first, then the attributes",
                    "list the TensorDesc parameters first")
        saw_attr = True
        if param.name in _RESERVED_ATTRS:
            ctx.add(Severity.ERROR, "QDP_ATTR_RESERVED", file, label,
                    f"{op_id}: attribute {param.name!r} of {fn} uses a name TensorRT reserves "
                    f"({', '.join(_RESERVED_ATTRS)})",
                    f"rename {param.name!r} (here, in the other QDP functions and in the torch schema)")
        numpy = _numpy_ok(param.annotation, aliases)
        bare_ndarray = qualify(param.annotation, aliases) == "numpy.ndarray"
        if text in _BUILTIN_ATTR_TYPES:
            attrs.append((param.name, text))
        elif numpy is True or (bare_ndarray and entry.lazy):
            # A lazily registered plugin learns an array's dtype from the first call.
            attrs.append((param.name, "ndarray"))
        elif bare_ndarray:
            ctx.add(Severity.ERROR, "QDP_ATTR_TYPE", file, label,
                    f"{op_id}: attribute {param.name!r} is annotated numpy.ndarray; a non-lazy registration "
                    "needs the dtype", f"annotate {param.name!r} as numpy.typing.NDArray[numpy.float32] (or its dtype)")
            attrs.append((param.name, "ndarray"))
        else:
            ctx.add(Severity.ERROR, "QDP_ATTR_TYPE", file, label,
                    f"{op_id}: attribute {param.name!r} of {fn} is annotated {text}, which TensorRT cannot "
                    "serialise",
                    "use int, float, str, bool, bytes or a 1-D numpy.typing.NDArray of int8/16/32/64, "
                    "float16/32/64 or bool")
            attrs.append((param.name, text))
    if not tensors and not reported_first:
        ctx.add(Severity.ERROR, "QDP_TENSORS_NOT_FIRST", file, f"{fn}()",
                f"{op_id}: @trtp.register function {fn} takes no trtp.TensorDesc; a plugin needs at least one "
                "input tensor", "add the input tensors as trtp.TensorDesc parameters, first")
    outputs = _count_outputs(ctx, op_id, entry, file)
    return Signature(tuple(tensors), tuple(attrs), outputs)


def _count_outputs(ctx: Findings, op_id: str, entry: Decorated, file: str) -> int | None:
    returns = entry.function.returns
    fn = entry.function.name
    if returns is None:
        ctx.add(Severity.ERROR, "QDP_SIGNATURE_INVALID", file, f"{fn} -> ?",
                f"{op_id}: @trtp.register function {fn} has no return annotation; TensorRT counts the outputs "
                "from it", "annotate the return as Tuple[trtp.TensorDesc] (one element per output)")
        return None
    if isinstance(returns, ast.Subscript) and (dotted_name(returns.value) or "").split(".")[-1] in ("Tuple", "tuple"):
        elements = returns.slice.elts if isinstance(returns.slice, ast.Tuple) else [returns.slice]
        if any(isinstance(e, ast.Constant) and e.value is Ellipsis for e in elements):
            return None
        return len(elements)
    if annotation_text(returns).split(".")[-1] == "TensorDesc":
        return 1
    ctx.add(Severity.ERROR, "QDP_SIGNATURE_INVALID", file, f"{fn} -> {annotation_text(returns)}",
            f"{op_id}: @trtp.register function {fn} returns {annotation_text(returns)}; TensorRT expects "
            "TensorDesc or Tuple[TensorDesc, ...]", "annotate the return as Tuple[trtp.TensorDesc]")
    return None


def _check_schema(ctx: Findings, op: OpSpec, schema: TorchSchema, signature: Signature | None) -> None:
    """What a generated converter needs of the torch schema (legacy converters read it themselves)."""
    if op.kind == "legacy":
        return
    file = f"{schema.source.display}:{schema.line}"
    tensors = [a for a in schema.args if a.is_tensor]
    attrs = [a for a in schema.args if not a.is_tensor]
    first_attr = next((i for i, a in enumerate(schema.args) if not a.is_tensor), len(schema.args))
    if any(a.is_tensor for a in schema.args[first_attr:]):
        ctx.add(Severity.ERROR, "SCHEMA_TENSORS_NOT_FIRST", file, f"{op.id} schema {schema.text}",
                f"{op.id}: the torch op lists a tensor after an attribute; Torch-TensorRT's generated converter "
                "takes the first N positional arguments as the plugin's N tensors",
                "reorder the torch op's arguments: tensors first, then attributes")
    for arg in attrs:
        if not arg.has_default:
            ctx.add(Severity.ERROR, "SCHEMA_ATTR_NO_DEFAULT", file, f"{op.id} schema argument {arg.name!r}",
                    f"{op.id}: attribute {arg.name!r} has no default in the torch schema; Torch-TensorRT 2.7-2.13 "
                    "builds a generated converter's plugin attributes from the schema arguments that have "
                    "defaults, so the plugin call misses it and conversion fails",
                    f"give {arg.name!r} a default in the torch op "
                    f"(e.g. `{arg.name}: {arg.type_name or 'float'} = ...`)")
    if signature is None:
        return
    if len(tensors) != len(signature.tensors):
        ctx.add(Severity.ERROR, "SCHEMA_PLUGIN_MISMATCH", file, f"{op.id} tensors",
                f"{op.id}: the torch op takes {len(tensors)} tensor(s) ({', '.join(a.name for a in tensors)}), the "
                f"QDP plugin {len(signature.tensors)} ({', '.join(signature.tensors)})",
                "make the torch op and @trtp.register take the same input tensors, in the same order")
    schema_attrs = [a.name for a in attrs]
    plugin_attrs = [name for name, _ in signature.attrs]
    if schema_attrs != plugin_attrs:
        ctx.add(Severity.ERROR, "SCHEMA_PLUGIN_MISMATCH", file, f"{op.id} attributes",
                f"{op.id}: the torch op's attributes {schema_attrs} differ from the QDP plugin's {plugin_attrs}; "
                "the generated converter passes the schema's attributes to the plugin by name, and TensorRT "
                "needs all of them in registration order",
                "use the same attribute names, in the same order, in the torch op and in @trtp.register")
        return
    types = dict(signature.attrs)
    for arg in attrs:
        declared = arg.type_name.split(".")[-1]
        if (declared in _BUILTIN_ATTR_TYPES and types.get(arg.name) in _BUILTIN_ATTR_TYPES
                and declared != types[arg.name]):
            ctx.add(Severity.ERROR, "SCHEMA_PLUGIN_MISMATCH", file, f"{op.id} schema argument {arg.name!r}",
                    f"{op.id}: attribute {arg.name!r} is {declared} in the torch op and {types[arg.name]} in the QDP "
                    "plugin; TensorRT checks attribute types exactly",
                    "declare the attribute with one type in both places")


_KIND_NEEDS = {"jit": ("impl",), "aot": ("aot_impl",)}


def check_op_sources(ctx: Findings, sources: Sources, op: OpSpec, where: str,
                     top_package: str) -> tuple[Signature | None, list[str]]:
    """Static checks of one op's Python sources; returns the plugin signature if found."""
    checked: list[str] = []
    manifest_file = ctx.show(sources.package_dir / MANIFEST_FILENAME)
    module = _op_module(ctx, sources, op, where, top_package, manifest_file)
    if op.kind == "kernels":
        return _check_kernels_sources(ctx, sources, op, where, top_package, manifest_file, checked), checked
    if op.kind == "legacy" and op.register:
        _check_reference(ctx, sources, op, _Reference(
            op.register, f"{where}.register", "LEGACY_REGISTER_NOT_FOUND", "register function",
            "LEGACY_REGISTER_FAILED", "`def {function}() -> None`, registering the converter,"),
            top_package, manifest_file, checked)

    searched = sources.search_order(module)
    decorated = [d for s in searched if s.tree is not None for d in s.decorated if d.op_id == op.id]
    registers = [d for d in decorated if d.kind == "register"]
    signature: Signature | None = None
    if registers:
        signature = _check_qdp_functions(ctx, op, where, registers[0], decorated, checked)
    elif op.kind != "legacy" and module is not None:
        _register_not_found(ctx, sources, op, where, module, searched)

    schemas = [s for source in searched for s in source.schemas if s.op_id == op.id]
    if schemas:
        _check_schema(ctx, op, schemas[0], signature)
        checked.append(f"torch op {schemas[0].source.display}:{schemas[0].line} {schemas[0].text}")
    elif module is not None:
        _schema_not_found(ctx, sources, op, where, module, searched, top_package)
    if op.capability_validator:
        _check_reference(ctx, sources, op, _Reference(
            op.capability_validator, f"{where}.capability_validator", "VALIDATOR_NOT_FOUND", "capability validator",
            "VALIDATOR_UNRESOLVED", "`def {function}(node, settings) -> bool`"), top_package, manifest_file, checked)
    return signature, checked


def _check_kernels_sources(ctx: Findings, sources: Sources, op: OpSpec, where: str, top_package: str,
                           manifest_file: str, checked: list[str]) -> Signature | None:
    """A kernels op: its functions are defined, and nothing in the package registers the op itself.

    The hub defines the torch op from the manifest's schema and registers the QDP through
    ``torch_tensorrt.kernels.ptx_op``, so the plugin's inputs, attributes and outputs are the schema's.
    """
    mark = len(ctx.findings)
    for role in ("meta", "eager", "aot", "capability_validator"):
        reference = getattr(op, role)
        if reference is None:
            continue
        module_name, _, function = reference.partition(":")
        source = sources.module(module_name)
        inside = module_name == top_package or module_name.startswith(top_package + ".")
        if (source is None and inside) or (source is not None and source.error is None
                                           and function not in source.top_level):
            ctx.add(Severity.ERROR, "KERNELS_FUNCTION_NOT_FOUND", source.display if source else manifest_file,
                    f"{where}.{role}", f"{op.id}: {role} function {reference} is not defined; activation fails "
                    f"({'VALIDATOR_UNRESOLVED' if role == 'capability_validator' else 'FUNCTION_UNRESOLVED'})",
                    f"define {function} at the top level of {module_name}, or correct {where}.{role}")
    for source in sources.search_order(sources.module(op.module)):
        if source.tree is None:
            continue
        found = [f"@trtp.{d.kind}" for d in source.decorated if d.op_id == op.id]
        found += ["a torch.library definition" for schema in source.schemas if schema.op_id == op.id]
        found += [f"{name}()" for name in _kernels_calls(source, op.id)]
        if found:
            ctx.add(Severity.ERROR, "KERNELS_SELF_REGISTERED", source.display, f"{where}.module",
                    f"{op.id}: {source.display} registers the kernels op itself ({', '.join(sorted(set(found)))}); "
                    "the hub registers it through torch_tensorrt.kernels.ptx_op with the PTX it verified, and refuses "
                    "an op that exists already (KERNELS_SELF_REGISTERED)",
                    "keep only the functions the manifest names (meta, eager, aot) in the package")
    if op.schema is None:
        return None
    signature = parse_signature(op.schema)  # the reader checked it
    if len(ctx.findings) == mark:
        named = ", ".join(f"{role} {getattr(op, role)}" for role in ("meta", "eager", "aot") if getattr(op, role))
        checked.append(f"schema {signature}; {named} defined; nothing registers the op but the hub")
    return Signature(signature.tensors, signature.attrs, signature.outputs)


def _kernels_calls(source: Source, op_id: str) -> list[str]:
    """The ``torch_tensorrt.kernels`` registration calls (``ptx_op``, ``cuda_kernel_op``) of ``op_id`` in ``source``."""
    found = []
    for node in ast.walk(source.tree) if source.tree is not None else ():
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = qualify(node.func, source.aliases) or dotted_name(node.func) or ""
        first = node.args[0]
        if (name.rpartition(".")[2] in ("ptx_op", "cuda_kernel_op") and isinstance(first, ast.Constant)
                and first.value == op_id):
            found.append(name.rpartition(".")[2])
    return found


def _op_module(ctx: Findings, sources: Sources, op: OpSpec, where: str, top_package: str,
               manifest_file: str) -> Source | None:
    """The op's module, parsed; None (with a finding) when it is not in the package or does not parse."""
    module = sources.module(op.module)
    if module is None:
        inside = op.module == top_package or op.module.startswith(top_package + ".")
        if inside:
            ctx.add(Severity.ERROR, "MODULE_NOT_FOUND", manifest_file, f"{where}.module",
                    f"{op.id}: module {op.module} is not in the package, so activation fails (IMPORT_FAILED)",
                    f"create {op.module.replace('.', '/')}.py or correct {where}.module")
        else:
            ctx.add(Severity.INFO, "MODULE_NOT_FOUND", manifest_file, f"{where}.module",
                    f"{op.id}: module {op.module} lives outside package {top_package}; its sources were not "
                    "checked", "keep an op's definitions inside the plugin package so validate can check them")
    elif module.error is not None:
        ctx.add(Severity.ERROR, "MODULE_NOT_FOUND", module.display, f"{where}.module",
                f"{op.id}: {op.module} cannot be parsed: {module.error}", "fix the syntax error")
        return None
    return module


def _near(op_id: str, found: set[str]) -> str:
    """A hint naming the ids the package uses that look like ``op_id`` (an id changed in one place)."""
    close = difflib.get_close_matches(op_id, sorted(found - {op_id}), n=3, cutoff=0.6)
    if not close:
        return ""
    return (f"; the package has {', '.join(repr(c) for c in close)}: an op id must be the same in "
            "trt_plugin.json, the torch op and every @trtp decorator")


def _register_not_found(ctx: Findings, sources: Sources, op: OpSpec, where: str, module: Source,
                        searched: list[Source]) -> None:
    """No ``@trtp.register`` for the op: an error, unless the package registers ops in a way not read here."""
    unread = sources.unread("qdp")
    registered = {d.op_id for s in searched for d in s.decorated if d.kind == "register"}
    hint = _near(op.id, registered)
    fix = f"decorate the plugin's shape function with @trtp.register({op.id!r}) in {op.module}"
    if unread:
        ctx.add(Severity.WARNING, "QDP_REGISTER_NOT_FOUND", module.display, f"{where}.id",
                f"{op.id}: no @trtp.register({op.id!r}) was found in {op.module} or the rest of the package; "
                f"activation fails (QDP_NOT_REGISTERED) unless {', '.join(unread)} registers it with a computed "
                f"id{hint}", fix)
        return
    ctx.add(Severity.ERROR, "QDP_REGISTER_NOT_FOUND", module.display, f"{where}.id",
            f"{op.id}: no @trtp.register({op.id!r}) in {op.module} or the rest of the package, so activation fails "
            f"(QDP_NOT_REGISTERED){hint}", fix)


def _schema_not_found(ctx: Findings, sources: Sources, op: OpSpec, where: str, module: Source,
                      searched: list[Source], top_package: str) -> None:
    """No torch.library definition of the op: an error where the package defines its namespace's ops.

    A package whose torch ops this reading cannot follow (computed names, native extensions) gets a
    warning; an op of a namespace the package defines nothing in (another library's op) a note.
    """
    defined = {schema.op_id for source in searched for schema in source.schemas}
    owned = op.namespace == top_package or any(d.partition("::")[0] == op.namespace for d in defined)
    unread = sources.unread("torch")
    fix = f"define the torch op with @torch.library.custom_op({op.id!r}, ...) in the package"
    if owned and not unread:
        ctx.add(Severity.ERROR, "SCHEMA_NOT_FOUND", module.display, f"{where}.id",
                f"{op.id}: the package defines torch ops of namespace {op.namespace!r} but not {op.id}, so "
                f"activation fails (OP_NOT_DEFINED: torch.ops.{op.namespace}.{op.name} does not exist)"
                f"{_near(op.id, defined)}", fix)
    elif owned:
        ctx.add(Severity.WARNING, "SCHEMA_NOT_FOUND", module.display, f"{where}.id",
                f"{op.id}: no torch.library definition of the op was found; activation fails (OP_NOT_DEFINED) "
                f"unless {', '.join(unread)} defines it in a way this static check cannot read", fix)
    else:
        ctx.add(Severity.INFO, "SCHEMA_NOT_FOUND", module.display, f"{where}.id",
                f"{op.id}: no torch.library definition was found in the package (namespace {op.namespace!r} is "
                "defined elsewhere); the op must be defined before activation, and tensors-first and attribute "
                "defaults of its schema were not checked", fix)


@dataclass(frozen=True)
class _Reference:
    """A ``module:function`` the manifest names, and what activation says when it does not resolve."""

    value: str
    field: str
    code: str
    what: str
    activation_code: str
    define: str


def _check_reference(ctx: Findings, sources: Sources, op: OpSpec, ref: _Reference, top_package: str,
                     manifest_file: str, checked: list[str]) -> None:
    """The function a ``module:function`` reference names is defined at the top of its module.

    References to modules outside the package are not checked (their sources are not here).
    """
    module_name, _, function = ref.value.partition(":")
    source = sources.module(module_name)
    define = ref.define.format(function=function)
    if source is not None and source.error is None:
        if function not in source.top_level:
            ctx.add(Severity.ERROR, ref.code, source.display, ref.field,
                    f"{op.id}: {module_name} defines no {function!r}, the {ref.what} {ref.field} names; activation "
                    f"fails ({ref.activation_code})", f"define {define} in {module_name}, or correct {ref.field}")
        else:
            checked.append(f"{ref.what} {ref.value} defined")
    elif source is None and (module_name == top_package or module_name.startswith(top_package + ".")):
        ctx.add(Severity.ERROR, ref.code, manifest_file, ref.field,
                f"{op.id}: module {module_name}, where the {ref.what} {ref.field} names should be, is not in the "
                f"package; activation fails ({ref.activation_code})", f"create {module_name} or correct {ref.field}")


def _check_qdp_functions(ctx: Findings, op: OpSpec, where: str, entry: Decorated, decorated: list[Decorated],
                         checked: list[str]) -> Signature:
    """The op's ``@trtp.register`` function ``entry`` and the implementations its kind needs."""
    if entry.source.future_annotations is not None and entry.source.display not in ctx.reported_files:
        ctx.reported_files.add(entry.source.display)
        ctx.add(Severity.ERROR, "QDP_STRING_ANNOTATIONS", f"{entry.source.display}:{entry.source.future_annotations}",
                "from __future__ import annotations",
                f"{op.id}: {entry.source.display} turns every annotation into a string; tensorrt.plugin "
                "inspects the QDP functions' annotations as objects and fails on strings",
                "remove `from __future__ import annotations` from the module that defines the QDP functions")
    signature = _check_register(ctx, op.id, entry)
    shown = ", ".join([*signature.tensors, *(f"{n}: {t}" for n, t in signature.attrs)])
    outputs = "?" if signature.outputs is None else str(signature.outputs)
    checked.append(f"@trtp.register {entry.source.display}:{entry.line} ({shown}) -> {outputs} output(s)")
    _check_impls(ctx, op, where, entry, {d.kind for d in decorated}, checked)
    aot_impls = [d for d in decorated if d.kind == "aot_impl"]
    if aot_impls and op.kind == "aot":
        _check_aot_impl_call(ctx, op.id, aot_impls[0], signature)
        aliases = aot_impls[0].source.aliases
        calls = (qualify(n.func, aliases) for n in ast.walk(aot_impls[0].function) if isinstance(n, ast.Call))
        signature = replace(signature, hub_launch="trt_plugin_hub.aot.launch" in calls)
    return signature


def _check_impls(ctx: Findings, op: OpSpec, where: str, entry: Decorated, present: set[str],
                 checked: list[str]) -> None:
    """The ``@trtp.impl`` / ``@trtp.aot_impl`` the op's kind (and its JIT fallback) needs."""
    needs = list(_KIND_NEEDS.get(op.kind, ()))
    if op.kind == "aot" and (op.jit_fallback or not op.use_aot_if_available):
        needs.append("impl")
    for kind in needs:
        if kind not in present:
            why = {"impl": "it runs as JIT" if op.kind == "jit" else
                   ("jit_fallback is true" if op.jit_fallback else "use_aot_if_available is false"),
                   "aot_impl": "it is declared aot"}[kind]
            ctx.add(Severity.ERROR, "QDP_IMPL_MISSING", f"{entry.source.display}:{entry.line}", f"{where}.kind",
                    f"{op.id}: no @trtp.{kind}({op.id!r}) in the package, but {why}; activation fails "
                    "(QDP_NOT_REGISTERED)", f"add an @trtp.{kind}({op.id!r}) function next to the register one")
        else:
            checked.append(f"@trtp.{kind} present")


def _check_aot_impl_call(ctx: Findings, op_id: str, entry: Decorated, signature: Signature) -> None:
    """TensorRT's builder calls ``aot_impl`` positionally, in the order ``_upstream.aot_impl_call_args`` gives."""
    args = entry.function.args
    if args.vararg is not None:
        return
    positional = [*args.posonlyargs, *args.args]
    expected = aot_impl_call_args(signature.tensors, (name for name, _ in signature.attrs))
    required_kwonly = [a.arg for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is None]
    required = len(positional) - len(args.defaults)
    if required <= len(expected) <= len(positional) and not required_kwonly:
        return
    declared = ", ".join(a.arg for a in positional)
    ctx.add(Severity.ERROR, "AOT_IMPL_SIGNATURE", f"{entry.source.display}:{entry.line}", f"{entry.function.name}()",
            f"{op_id}: @trtp.aot_impl function {entry.function.name}({declared}) cannot be called as TensorRT's "
            f"engine build calls it, ({', '.join(expected)}); registration accepts it and the build fails with "
            "TypeError (the hub refuses the op: AOT_IMPL_SIGNATURE)",
            f"declare {entry.function.name}({', '.join(expected)}): every tensor, every attribute in registration "
            "order, then outputs and tactic")
