"""``trt-plugin-hub validate``: check a plugin package before it is published.

The target is a plugin package directory (the one holding ``trt_plugin.json``), a project
directory (``pyproject.toml`` with ``[tool.trt-plugin-hub] packages``), a built wheel, or the
name of an installed distribution or plugin. Nothing of the package is imported or run: the
manifest is read as data, Python sources are read with :mod:`ast`, PTX as text, and ``ptxas``
only assembles.

Checked, each failure a :class:`ValidationFinding` naming the file, the field and the fix:

* the manifest schema (the same reader activation uses) and the entry point advertising it;
* TensorRT's QDP rules, statically, on the ``@trtp.register`` function of every op: no ``.`` in
  the id, no reserved namespace, attribute names other than ``outputs``/``stream``/``tactic``,
  attribute types TensorRT serialises, no default values, tensors first, and the
  implementation the op's kind needs (``@trtp.impl``, ``@trtp.aot_impl``);
* the ``torch.library`` op's schema where its ``custom_op`` is in the source: tensors first, the
  same tensors and attributes as the plugin, and a default for every attribute (Torch-TensorRT
  2.7-2.13 builds a generated converter's attributes from schema arguments that have one);
* every PTX file of every AOT op: inside the package, present, sha256 as recorded, ``.target`` as
  declared, the entry kernel present with TensorRT's AOT parameter order (input pointers, the
  int32 ``launch.extras``, output pointers), a PTX ISA every driver admitted by
  ``requires.cuda_driver`` loads, and ``ptxas`` assembling it for its architecture where one is
  found (otherwise an ``info`` finding says so).
"""

from __future__ import annotations

import ast
import configparser
import contextlib
import enum
import hashlib
import json
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._errors import ManifestError, ValidationTargetError
from .manifest import (
    MANIFEST_FILENAME,
    MAX_MANIFEST_BYTES,
    RESERVED_NAMESPACES,
    OpSpec,
    PluginManifest,
    parse_manifest,
)

__all__ = [
    "VALIDATION_CODES",
    "ValidationFinding",
    "OpSummary",
    "PackageResult",
    "ValidationReport",
    "ValidationTargetError",
    "validate",
    "validate_package",
]

class Severity(str, enum.Enum):
    """How much a finding weighs: an error fails validation, a warning or a note does not."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    def __str__(self) -> str:
        return self.value

#: Every finding code ``validate`` emits, with what it means. Codes shared with activation
#: (``PTX_HASH_MISMATCH``...) mean the same thing: the hub would reject the op for it.
VALIDATION_CODES: dict[str, str] = {
    "MANIFEST_MISSING": "The package has no trt_plugin.json.",
    "MANIFEST_UNREADABLE": "The manifest cannot be read, is not UTF-8 or is too large.",
    "MANIFEST_INVALID": "The manifest does not follow the schema.",
    "MANIFEST_SCHEMA_UNSUPPORTED": "The manifest's schema_version is newer than this hub understands.",
    "ENTRY_POINT_MISSING": "No 'torch_tensorrt.plugins' entry point names the package, so the hub never finds it.",
    "ENTRY_POINT_NOT_FOUND": "An entry point names a package that is not in the project, wheel or distribution.",
    "BUILD_BACKEND": "AOT ops are declared but the project does not build with trt_plugin_hub.build.backend.",
    "QDP_NAME_INVALID": "An op id is not 'namespace::name' with identifiers and no '.' (TensorRT QDP rule).",
    "QDP_NAMESPACE_RESERVED": "An op id uses a namespace TensorRT reserves ('', trt, tensorrt, std).",
    "QDP_REGISTER_NOT_FOUND": "No @trtp.register for the op was found in its module or package.",
    "QDP_IMPL_MISSING": "The op's kind needs an @trtp.impl (JIT) or @trtp.aot_impl (AOT) that is not there.",
    "AOT_IMPL_SIGNATURE": "The @trtp.aot_impl does not take every attribute, as TensorRT's engine build calls it.",
    "QDP_ATTR_RESERVED": "A plugin attribute is called outputs, stream or tactic (reserved by TensorRT).",
    "QDP_ATTR_TYPE": "A plugin attribute's type is not one TensorRT serialises.",
    "QDP_ATTR_DEFAULT": "A @trtp.register parameter has a default value (TensorRT refuses them).",
    "QDP_TENSORS_NOT_FIRST": "A @trtp.register function does not list its TensorDesc parameters first.",
    "QDP_SIGNATURE_INVALID": "A @trtp.register parameter or return annotation TensorRT cannot read.",
    "QDP_STRING_ANNOTATIONS": "'from __future__ import annotations' turns the QDP annotations into strings.",
    "MODULE_NOT_FOUND": "The module the manifest names is not in the package.",
    "LEGACY_REGISTER_NOT_FOUND": "The legacy op's register function is not defined in its module.",
    "SCHEMA_NOT_FOUND": "No torch.library definition of the op was found in the package's sources.",
    "SCHEMA_TENSORS_NOT_FIRST": "The torch op's schema does not list its tensors first.",
    "SCHEMA_PLUGIN_MISMATCH": "The torch op's tensors or attributes differ from the QDP plugin's.",
    "SCHEMA_ATTR_NO_DEFAULT": "A torch op attribute has no default, so generated converters drop it.",
    "LAUNCH_MISSING": "An AOT op declares no launch section.",
    "LAUNCH_ATTR_UNKNOWN": "launch.extras names an attribute the plugin does not have.",
    "LAUNCH_ATTR_TYPE": "launch.extras passes an attribute that cannot travel as an int32.",
    "BUILD_SIGNATURE_MISMATCH": "build.signature disagrees with the plugin's inputs, extras and outputs.",
    "CUDA_DRIVER_UNDECLARED": "AOT ops need requires.cuda_driver with a lower bound to check the PTX ISA.",
    "PTX_NOT_BUILT": "An AOT op has no PTX files yet.",
    "PTX_PATH_ESCAPES": "A PTX path points outside the package.",
    "PTX_MISSING": "A PTX file named in the manifest is not in the package.",
    "PTX_HASH_MISMATCH": "A PTX file's sha256 differs from the manifest's: it was altered.",
    "PTX_INVALID": "A PTX file is empty or its header cannot be read.",
    "PTX_TARGET_MISMATCH": "A PTX file's .target differs from the architecture it is declared for.",
    "PTX_ISA_MISMATCH": "The manifest records another PTX ISA than the file's .version.",
    "PTX_ISA_TOO_NEW": "A PTX file's ISA is newer than the oldest declared driver loads.",
    "PTX_KERNEL_MISSING": "A PTX file has no .entry with the declared kernel name.",
    "PTX_PARAMS_MISMATCH": "The kernel's parameters are not TensorRT's AOT order and count.",
    "PTXAS_FAILED": "ptxas does not assemble a PTX file for its architecture.",
    "PTXAS_UNAVAILABLE": "No ptxas that reads the PTX's ISA was found; the files were not assembled.",
}

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_RESERVED_ATTRS = ("outputs", "stream", "tactic")
_BUILTIN_ATTR_TYPES = ("int", "float", "str", "bool", "bytes")
_NUMPY_DTYPES = ("int8", "int16", "int32", "int64", "float16", "float32", "float64", "bool", "bool_")
# Attribute types TensorRT can hand an AOT kernel as an int32 extra (a float as its bits).
_INT32_PASSABLE = ("int", "float", "bool")
_QDP_MODULES = ("tensorrt.plugin", "tensorrt_bindings.plugin")
_TORCH_OP_DECORATORS = ("torch.library.custom_op", "torch.library.triton_op", "torch._library.custom_ops.custom_op")
_HUB_BACKEND = "trt_plugin_hub.build.backend"
_BUILD_FIX = ("build the PTX with the hub's build backend: `pip wheel --no-deps -w dist .` in the project, or "
              "`trt-plugin-hub build PACKAGE_DIR`")
_REBUILD_FIX = ("rebuild the PTX with the hub's build backend (`trt-plugin-hub build PACKAGE_DIR` or "
                "`pip wheel`) instead of editing PTX or the manifest's ptx list by hand")


@dataclass(frozen=True)
class ValidationFinding:
    """One problem (or note) ``validate`` found: where it is, what is wrong and how to fix it."""

    severity: Severity
    code: str
    file: str
    field: str
    message: str
    fix: str

    def to_dict(self) -> dict[str, str]:
        """The finding as JSON-ready data."""
        return {"severity": Severity(self.severity).value, "code": self.code, "file": self.file, "field": self.field,
                "message": self.message, "fix": self.fix}


@dataclass(frozen=True)
class OpSummary:
    """What was checked for one op, as lines a person reads."""

    id: str
    kind: str
    checked: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """The summary as JSON-ready data."""
        return {"id": self.id, "kind": self.kind, "checked": list(self.checked)}


@dataclass(frozen=True)
class PackageResult:
    """One validated plugin package."""

    package: str
    path: str
    plugin: str | None
    ops: tuple[OpSummary, ...]
    ptx_files: int
    assembled: int

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON-ready data."""
        return {"package": self.package, "path": self.path, "plugin": self.plugin,
                "ops": [op.to_dict() for op in self.ops], "ptx_files": self.ptx_files,
                "assembled": self.assembled}


@dataclass(frozen=True)
class ValidationReport:
    """Everything ``validate`` found for one target."""

    target: str
    kind: str
    packages: tuple[PackageResult, ...]
    findings: tuple[ValidationFinding, ...]
    ptxas: tuple[str, ...] = ()

    def count(self, severity: Severity) -> int:
        """Number of findings of ``severity``."""
        return sum(f.severity == severity for f in self.findings)

    @property
    def ok(self) -> bool:
        """No errors (warnings and notes do not fail validation)."""
        return self.count(Severity.ERROR) == 0

    def codes(self, severity: Severity | None = None) -> list[str]:
        """The finding codes, in order, optionally of one severity only."""
        return [f.code for f in self.findings if severity is None or f.severity == severity]

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (what ``validate --json`` prints)."""
        return {
            "target": self.target,
            "kind": self.kind,
            "ok": self.ok,
            "summary": {s.value: self.count(s) for s in Severity},
            "ptxas": list(self.ptxas),
            "packages": [p.to_dict() for p in self.packages],
            "findings": [f.to_dict() for f in self.findings],
        }

    def to_json(self) -> str:
        """:meth:`to_dict` as indented JSON."""
        return json.dumps(self.to_dict(), indent=2)


# ----------------------------------------------------------------------------------------------
# Reading Python sources without importing them


@dataclass(frozen=True)
class _Param:
    name: str
    annotation: ast.expr | None
    default: ast.expr | None
    positional_only_or_variadic: bool
    line: int

    @property
    def has_default(self) -> bool:
        return self.default is not None


@dataclass(frozen=True)
class _Decorated:
    """A function decorated with a QDP or torch.library decorator for one op id."""

    kind: str  # register | impl | aot_impl | autotune | custom_op
    op_id: str
    function: ast.FunctionDef | ast.AsyncFunctionDef
    lazy: bool
    source: _Source

    @property
    def line(self) -> int:
        return self.function.lineno

    def params(self) -> list[_Param]:
        args = self.function.args
        result: list[_Param] = []
        positional = [*args.posonlyargs, *args.args]
        defaults_from = len(positional) - len(args.defaults)
        for index, arg in enumerate(positional):
            default = args.defaults[index - defaults_from] if index >= defaults_from else None
            result.append(_Param(arg.arg, arg.annotation, default, index < len(args.posonlyargs), arg.lineno))
        for kwarg, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
            result.append(_Param(kwarg.arg, kwarg.annotation, kw_default, False, kwarg.lineno))
        for variadic in (args.vararg, args.kwarg):
            if variadic is not None:
                result.append(_Param(variadic.arg, variadic.annotation, None, True, variadic.lineno))
        return result


@dataclass(frozen=True)
class _SchemaArg:
    name: str
    is_tensor: bool
    type_name: str
    default: str | None

    @property
    def has_default(self) -> bool:
        return self.default is not None


@dataclass(frozen=True)
class _TorchSchema:
    op_id: str
    args: tuple[_SchemaArg, ...]
    text: str
    source: _Source
    line: int


@dataclass(eq=False)
class _Source:
    """One parsed ``.py`` file and what it defines (compared by identity: one object per file)."""

    path: Path
    display: str
    tree: ast.Module | None
    error: str | None = None
    aliases: dict[str, str] = field(default_factory=dict)
    future_annotations: int | None = None
    decorated: list[_Decorated] = field(default_factory=list)
    schemas: list[_TorchSchema] = field(default_factory=list)
    top_level: set[str] = field(default_factory=set)


def _dotted(expr: ast.expr) -> str | None:
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute):
        base = _dotted(expr.value)
        return f"{base}.{expr.attr}" if base else None
    return None


def _qualify(expr: ast.expr, aliases: Mapping[str, str]) -> str | None:
    """``trtp.register`` -> ``tensorrt.plugin.register`` through the file's imports."""
    dotted = _dotted(expr)
    if dotted is None:
        return None
    head, dot, rest = dotted.partition(".")
    base = aliases.get(head, head)
    return f"{base}{dot}{rest}"


def _collect_aliases(tree: ast.Module) -> dict[str, str]:
    aliases: dict[str, str] = {}
    # Imports anywhere count: plugin code often imports tensorrt inside a function so that
    # importing the module stays cheap.
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    aliases[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    aliases.setdefault(top, top)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return aliases


def _string_arg(call: ast.Call, constants: Mapping[str, str] | None = None) -> str | None:
    """The call's first argument if it is a string, or a module-level string constant's name."""
    if call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
        return call.args[0].value
    if call.args and isinstance(call.args[0], ast.Name) and constants:
        return constants.get(call.args[0].id)
    return None


def _string_constants(tree: ast.Module) -> dict[str, str]:
    # `PLUGIN_ID = "ns::op"` then `@trtp.register(PLUGIN_ID)` is a common way to spell one id once.
    constants: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            value, targets = node.value, node.targets
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            value, targets = node.value, [node.target]
        else:
            continue
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            constants.update({t.id: value.value for t in targets if isinstance(t, ast.Name)})
    return constants


def _qdp_decorator(name: str | None) -> str | None:
    if name is None:
        return None
    for module in _QDP_MODULES:
        for kind in ("register", "impl", "aot_impl", "autotune"):
            if name == f"{module}.{kind}":
                return kind
    # `trtp` is the name every TensorRT example uses; accept it even when imported oddly.
    if name.startswith("trtp.") and name[5:] in ("register", "impl", "aot_impl", "autotune"):
        return name[5:]
    return None


def _parse_source(path: Path, display: str) -> _Source:
    try:
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text, filename=display)
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError) as exc:
        return _Source(path, display, None, error=f"{type(exc).__name__}: {exc}")
    source = _Source(path, display, tree)
    source.aliases = _collect_aliases(tree)
    for statement in tree.body:
        if isinstance(statement, ast.ImportFrom) and statement.module == "__future__" and any(
                a.name == "annotations" for a in statement.names):
            source.future_annotations = statement.lineno
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            source.top_level.add(statement.name)
        elif isinstance(statement, ast.Assign):
            source.top_level.update(t.id for t in statement.targets if isinstance(t, ast.Name))
    libraries: dict[str, str] = {}
    constants = _string_constants(tree)
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for decorator in node.decorator_list:
                if not isinstance(decorator, ast.Call):
                    continue
                op_id = _string_arg(decorator, constants)
                name = _qualify(decorator.func, source.aliases)
                if op_id is None or name is None:
                    continue
                kind = _qdp_decorator(name)
                if kind is None and name in _TORCH_OP_DECORATORS:
                    kind = "custom_op"
                if kind is None:
                    continue
                lazy = any(k.arg == "lazy_register" and isinstance(k.value, ast.Constant) and k.value.value is True
                           for k in decorator.keywords)
                entry = _Decorated(kind, op_id, node, lazy, source)
                source.decorated.append(entry)
                if kind == "custom_op":
                    source.schemas.append(_schema_from_function(entry))
        elif (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
              and _qualify(node.value.func, source.aliases) == "torch.library.Library"):
            # lib = torch.library.Library("ns", "DEF"): remember the namespace for lib.define(...).
            namespace = _string_arg(node.value)
            if namespace is not None:
                libraries.update({t.id: namespace for t in node.targets if isinstance(t, ast.Name)})
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            schema = _schema_from_define(node, source, libraries)
            if schema is not None:
                source.schemas.append(schema)
    return source


def _annotation_text(expr: ast.expr | None) -> str:
    return ast.unparse(expr) if expr is not None else ""


def _is_tensor_annotation(expr: ast.expr | None) -> bool:
    text = _annotation_text(expr)
    return text.split(".")[-1] == "Tensor" or text in ("torch.Tensor", "Tensor")


def _schema_from_function(entry: _Decorated) -> _TorchSchema:
    args = []
    for param in entry.params():
        text = _annotation_text(param.annotation)
        default = ast.unparse(param.default) if param.default is not None else None
        args.append(_SchemaArg(param.name, _is_tensor_annotation(param.annotation), text, default))
    shown = ", ".join(f"{a.type_name or '?'} {a.name}" + (f"={a.default}" if a.has_default else "") for a in args)
    return _TorchSchema(entry.op_id, tuple(args), f"({shown})", entry.source, entry.line)


def _split_top_level(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in text:
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    if current.strip():
        parts.append(current)
    return [p.strip() for p in parts if p.strip()]


def _schema_from_define(call: ast.Call, source: _Source, libraries: Mapping[str, str]) -> _TorchSchema | None:
    """``torch.library.define("ns::op", "(Tensor x, float a=1.0) -> Tensor")`` or ``lib.define("op(...)")``."""
    name = _qualify(call.func, source.aliases)
    strings = [a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    if name == "torch.library.define" and len(strings) >= 2:
        op_id, schema = strings[0], strings[1]
    elif (isinstance(call.func, ast.Attribute) and call.func.attr == "define"
          and isinstance(call.func.value, ast.Name) and call.func.value.id in libraries and strings):
        match = re.match(r"\s*([A-Za-z_]\w*)(?:\.\w+)?\s*(\(.*)", strings[0], re.DOTALL)
        if not match:
            return None
        op_id, schema = f"{libraries[call.func.value.id]}::{match.group(1)}", match.group(2)
    else:
        return None
    match = re.match(r"\s*\((.*)\)\s*->", schema, re.DOTALL)
    if not match:
        return None
    args = []
    for item in _split_top_level(match.group(1)):
        if item == "*":
            continue
        declaration, has_default, default = item.partition("=")
        tokens = declaration.split()
        if len(tokens) < 2:
            continue
        type_name, arg_name = " ".join(tokens[:-1]), tokens[-1]
        args.append(_SchemaArg(arg_name, type_name.startswith("Tensor"), type_name,
                               default.strip() if has_default else None))
    return _TorchSchema(op_id, tuple(args), schema.strip(), source, call.lineno)


# ----------------------------------------------------------------------------------------------
# One package


@dataclass
class _Context:
    """Shared state of one validation run: findings, display root and the ptxas tools found."""

    root: Path
    findings: list[ValidationFinding] = field(default_factory=list)
    ptxas_used: dict[str, str] = field(default_factory=dict)
    ptxas_missing: dict[tuple[int, int], int] = field(default_factory=dict)
    # Problems of a whole file (e.g. its __future__ import) are reported once, not once per op.
    reported_files: set[str] = field(default_factory=set)

    def show(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return path.as_posix()

    def add(self, severity: Severity, code: str, file: str, field_name: str, message: str, fix: str) -> None:
        self.findings.append(ValidationFinding(severity, code, file, field_name, message, fix))


def _import_root(package_dir: Path) -> tuple[Path, str]:
    """The directory that would be on ``sys.path`` for ``package_dir``, and the package's dotted name."""
    top = package_dir.resolve()
    while (top.parent / "__init__.py").is_file() and top.parent != top:
        top = top.parent
    root = top.parent
    return root, ".".join(package_dir.resolve().relative_to(root).parts)


def _module_file(root: Path, module: str) -> Path | None:
    base = root.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


class _Sources:
    """The package's Python files, parsed on first use."""

    def __init__(self, ctx: _Context, package_dir: Path, import_root: Path) -> None:
        self.ctx = ctx
        self.package_dir = package_dir
        self.import_root = import_root
        self._parsed: dict[Path, _Source] = {}

    def get(self, path: Path) -> _Source:
        path = path.resolve()
        if path not in self._parsed:
            self._parsed[path] = _parse_source(path, self.ctx.show(path))
        return self._parsed[path]

    def module(self, name: str) -> _Source | None:
        path = _module_file(self.import_root, name)
        return self.get(path) if path is not None else None

    def search_order(self, first: _Source | None) -> list[_Source]:
        """The op's own module first, then every other module of the package (sorted)."""
        ordered = [first] if first is not None else []
        for path in sorted(self.package_dir.rglob("*.py")):
            if "__pycache__" in path.parts:
                continue
            source = self.get(path)
            if source not in ordered:
                ordered.append(source)
        return ordered


@dataclass(frozen=True)
class _Signature:
    """What a @trtp.register function declares: tensor and attribute names, attribute types, outputs."""

    tensors: tuple[str, ...]
    attrs: tuple[tuple[str, str], ...]
    outputs: int | None


def _numpy_ok(expr: ast.expr, aliases: Mapping[str, str]) -> bool | None:
    """Whether ``expr`` is ``npt.NDArray[np.<supported dtype>]`` (None: not a numpy annotation)."""
    if isinstance(expr, ast.Subscript):
        base = _qualify(expr.value, aliases)
        if base not in ("numpy.typing.NDArray", "numpy.ndarray"):
            return None
        for node in ast.walk(expr.slice):
            if isinstance(node, (ast.Name, ast.Attribute)):
                name = _qualify(node, aliases) or ""
                if name == "bool" or (name.startswith("numpy.") and name[len("numpy."):] in _NUMPY_DTYPES):
                    return True
        return False
    if _qualify(expr, aliases) == "numpy.ndarray":
        return False
    return None


def _check_register(ctx: _Context, op_id: str, entry: _Decorated) -> _Signature:
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
        text = _annotation_text(param.annotation)
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
        bare_ndarray = _qualify(param.annotation, aliases) == "numpy.ndarray"
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
    return _Signature(tuple(tensors), tuple(attrs), outputs)


def _count_outputs(ctx: _Context, op_id: str, entry: _Decorated, file: str) -> int | None:
    returns = entry.function.returns
    fn = entry.function.name
    if returns is None:
        ctx.add(Severity.ERROR, "QDP_SIGNATURE_INVALID", file, f"{fn} -> ?",
                f"{op_id}: @trtp.register function {fn} has no return annotation; TensorRT counts the outputs "
                "from it", "annotate the return as Tuple[trtp.TensorDesc] (one element per output)")
        return None
    if isinstance(returns, ast.Subscript) and (_dotted(returns.value) or "").split(".")[-1] in ("Tuple", "tuple"):
        elements = returns.slice.elts if isinstance(returns.slice, ast.Tuple) else [returns.slice]
        if any(isinstance(e, ast.Constant) and e.value is Ellipsis for e in elements):
            return None
        return len(elements)
    if _annotation_text(returns).split(".")[-1] == "TensorDesc":
        return 1
    ctx.add(Severity.ERROR, "QDP_SIGNATURE_INVALID", file, f"{fn} -> {_annotation_text(returns)}",
            f"{op_id}: @trtp.register function {fn} returns {_annotation_text(returns)}; TensorRT expects "
            "TensorDesc or Tuple[TensorDesc, ...]", "annotate the return as Tuple[trtp.TensorDesc]")
    return None


def _check_schema(ctx: _Context, op: OpSpec, schema: _TorchSchema, signature: _Signature | None) -> None:
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
            ctx.add(Severity.WARNING, "SCHEMA_ATTR_NO_DEFAULT", file, f"{op.id} schema argument {arg.name!r}",
                    f"{op.id}: attribute {arg.name!r} has no default in the torch schema; Torch-TensorRT 2.7-2.13 "
                    "builds a generated converter's plugin attributes from the schema arguments that have "
                    "defaults, so the plugin call misses it and conversion fails",
                    f"give {arg.name!r} a default in the torch op (e.g. `{arg.name}: {arg.type_name or 'float'} = ...`)")
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
    types = {name: kind for name, kind in signature.attrs}
    for arg in attrs:
        declared = arg.type_name.split(".")[-1]
        if declared in _BUILTIN_ATTR_TYPES and types.get(arg.name) in _BUILTIN_ATTR_TYPES and declared != types[arg.name]:
            ctx.add(Severity.ERROR, "SCHEMA_PLUGIN_MISMATCH", file, f"{op.id} schema argument {arg.name!r}",
                    f"{op.id}: attribute {arg.name!r} is {declared} in the torch op and {types[arg.name]} in the QDP "
                    "plugin; TensorRT checks attribute types exactly",
                    "declare the attribute with one type in both places")


_KIND_NEEDS = {"jit": ("impl",), "aot": ("aot_impl",)}


def _check_op_sources(ctx: _Context, sources: _Sources, op: OpSpec, where: str,
                      top_package: str) -> tuple[_Signature | None, list[str]]:
    """Static checks of one op's Python sources; returns the plugin signature if found."""
    checked: list[str] = []
    module = sources.module(op.module)
    manifest_file = ctx.show(sources.package_dir / MANIFEST_FILENAME)
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
        module = None
    if op.kind == "legacy" and op.register:
        reg_module, _, reg_function = op.register.partition(":")
        reg_source = sources.module(reg_module)
        if reg_source is not None and reg_source.error is None:
            if reg_function not in reg_source.top_level:
                ctx.add(Severity.ERROR, "LEGACY_REGISTER_NOT_FOUND", reg_source.display, f"{where}.register",
                        f"{op.id}: {reg_module} defines no {reg_function!r}; activation fails "
                        "(LEGACY_REGISTER_FAILED)",
                        f"define `def {reg_function}() -> None` in {reg_module}, registering the converter")
            else:
                checked.append(f"register function {op.register} defined")
        elif reg_source is None and (reg_module == top_package or reg_module.startswith(top_package + ".")):
            ctx.add(Severity.ERROR, "LEGACY_REGISTER_NOT_FOUND", manifest_file, f"{where}.register",
                    f"{op.id}: module {reg_module} is not in the package", f"create {reg_module} or correct the reference")

    searched = sources.search_order(module)
    decorated = [d for s in searched if s.tree is not None for d in s.decorated if d.op_id == op.id]
    registers = [d for d in decorated if d.kind == "register"]
    signature: _Signature | None = None
    if registers:
        entry = registers[0]
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
        present = {d.kind for d in decorated}
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
        aot_impls = [d for d in decorated if d.kind == "aot_impl"]
        if aot_impls and op.kind == "aot":
            _check_aot_impl_call(ctx, op.id, aot_impls[0], signature)
    elif op.kind != "legacy" and module is not None:
        ctx.add(Severity.WARNING, "QDP_REGISTER_NOT_FOUND", module.display, f"{where}.id",
                f"{op.id}: no @trtp.register({op.id!r}) was found in {op.module} or the rest of the package; "
                "activation fails (QDP_NOT_REGISTERED) unless it is registered in a way this static check "
                "cannot see", f"decorate the plugin's shape function with @trtp.register({op.id!r}) in {op.module}")

    schemas = [s for source in searched for s in source.schemas if s.op_id == op.id]
    if schemas:
        _check_schema(ctx, op, schemas[0], signature)
        checked.append(f"torch op {schemas[0].source.display}:{schemas[0].line} {schemas[0].text}")
    elif module is not None:
        ctx.add(Severity.INFO, "SCHEMA_NOT_FOUND", module.display, f"{where}.id",
                f"{op.id}: no torch.library definition (custom_op, triton_op or define) was found in the package; "
                "tensors-first and attribute defaults of the torch schema were not checked",
                "define the torch op with @torch.library.custom_op in the package")
    return signature, checked


def _check_aot_impl_call(ctx: _Context, op_id: str, entry: _Decorated, signature: _Signature) -> None:
    """TensorRT's builder calls ``aot_impl(*tensors, *every_attribute, outputs, tactic)`` positionally."""
    args = entry.function.args
    if args.vararg is not None:
        return
    positional = [*args.posonlyargs, *args.args]
    expected = [*signature.tensors, *(name for name, _ in signature.attrs), "outputs", "tactic"]
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


def _triton_split(build: Mapping[str, Any] | None) -> tuple[int, int, int] | None:
    """(input pointers, int32 scalars, output pointers) of a Triton build.signature."""
    if not build or build.get("compiler") != "triton" or not isinstance(build.get("signature"), dict):
        return None
    kinds = "".join("p" if str(t).startswith("*") else "i" for t in build["signature"].values())
    match = re.fullmatch(r"(p*)(i*)(p*)", kinds)
    if not match:
        return None
    return len(match.group(1)), len(match.group(2)), len(match.group(3))


def _expected_params(ctx: _Context, op: OpSpec, where: str, signature: _Signature | None,
                     manifest_file: str) -> list[tuple[str, str]] | None:
    """TensorRT's launch order for the op's kernel as (kind, label) pairs, or None if unknown."""
    assert op.launch is not None
    extras = list(op.launch.extras)
    split = _triton_split(op.build)
    n_in = len(signature.tensors) if signature is not None else None
    n_out = signature.outputs if signature is not None else None
    if split is not None:
        if n_in is not None and n_out is not None and (split[0], split[1], split[2]) != (n_in, len(extras), n_out):
            ctx.add(Severity.ERROR, "BUILD_SIGNATURE_MISMATCH", manifest_file, f"{where}.build.signature",
                    f"{op.id}: build.signature has {split[0]} input pointer(s), {split[1]} int32 scalar(s) and "
                    f"{split[2]} output pointer(s); the plugin has {n_in} input(s), {len(extras)} launch extra(s) "
                    f"and {n_out} output(s)",
                    "make build.signature list input pointers, then one i32 per launch.extras entry, then output "
                    "pointers")
        n_in = split[0] if n_in is None else n_in
        n_out = split[2] if n_out is None else n_out
    if n_in is None or n_out is None:
        return None
    names = list(signature.tensors) if signature is not None else [f"input {i}" for i in range(n_in)]
    return ([("ptr", f"{name} (input pointer)") for name in names[:n_in]]
            + [("i32", f"{extra} (int32)") for extra in extras]
            + [("ptr", f"outputs[{i}] (output pointer)") for i in range(n_out)])


def _check_launch(ctx: _Context, op: OpSpec, where: str, signature: _Signature | None, manifest_file: str,
                  checked: list[str]) -> None:
    if op.launch is None:
        ctx.add(Severity.WARNING, "LAUNCH_MISSING", manifest_file, f"{where}.launch",
                f"{op.id}: no launch section; trt_plugin_hub.aot.launch and `verify` need it, and the kernel's "
                "parameter list cannot be checked",
                "declare launch: block_threads, elements_per_block and extras (int32 arguments after the inputs)")
        return
    types = dict(signature.attrs) if signature is not None else {}
    for index, extra in enumerate(op.launch.extras):
        if not extra.startswith("attr:"):
            continue
        name = extra.split(":", 1)[1]
        if signature is not None and name not in types:
            ctx.add(Severity.ERROR, "LAUNCH_ATTR_UNKNOWN", manifest_file, f"{where}.launch.extras[{index}]",
                    f"{op.id}: launch extra {extra!r} names no attribute of the plugin (attributes: "
                    f"{', '.join(types) or 'none'})", "name one of the @trtp.register attributes")
        elif types.get(name) is not None and types[name] not in _INT32_PASSABLE:
            ctx.add(Severity.ERROR, "LAUNCH_ATTR_TYPE", manifest_file, f"{where}.launch.extras[{index}]",
                    f"{op.id}: attribute {name!r} is {types[name]}; TensorRT passes AOT kernels int32 extras only",
                    "pass an int, bool or float attribute (a float travels as its int32 bits), or bake the value "
                    "into the kernel")
        elif types.get(name) == "float":
            checked.append(f"launch extra {extra!r}: float attribute travels as its float32 bit pattern "
                           "(trt_plugin_hub.aot.float_bits; read it back with __int_as_float or a Triton bitcast)")


def _check_ptx(ctx: _Context, op: OpSpec, where: str, package_dir: Path, expected: list[tuple[str, str]] | None,
               limit: Any, checked: list[str]) -> tuple[int, int]:
    """Every PTX file of an AOT op; returns (files checked, files assembled)."""
    from ._errors import PtxBuildError, PtxFormatError
    from .build._ptxas import assemble
    from .build._ptxtext import find_entries, find_entry
    from .decisions import safe_package_path
    from .ptx import parse_arch, parse_ptx

    manifest_file = ctx.show(package_dir / MANIFEST_FILENAME)
    files = assembled = 0
    for index, artifact in enumerate(op.ptx):
        at = f"{where}.ptx[{index}]"
        path = safe_package_path(package_dir, artifact.path)
        if path is None:
            ctx.add(Severity.ERROR, "PTX_PATH_ESCAPES", manifest_file, f"{at}.path",
                    f"{op.id}: PTX path {artifact.path!r} points outside the package",
                    "keep PTX files inside the package (the build writes them under ptx/)")
            continue
        shown = ctx.show(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            ctx.add(Severity.ERROR, "PTX_MISSING", shown, f"{at}.path",
                    f"{op.id}: {artifact.path} is not in the package ({exc.strerror or exc})",
                    f"{_BUILD_FIX}; and list the PTX files as package data (e.g. \"ptx/*.ptx\") so they reach the wheel")
            continue
        files += 1
        digest = hashlib.sha256(data).hexdigest()
        if digest != artifact.sha256:
            ctx.add(Severity.ERROR, "PTX_HASH_MISMATCH", shown, f"{at}.sha256",
                    f"{op.id}: {artifact.path} has sha256 {digest}, the manifest records {artifact.sha256}: the "
                    "file was altered after the build, and the hub refuses it", _REBUILD_FIX)
        try:
            header = parse_ptx(data)
        except PtxFormatError as exc:
            ctx.add(Severity.ERROR, "PTX_INVALID", shown, f"{at}.path", f"{op.id}: {artifact.path}: {exc}", _REBUILD_FIX)
            continue
        problems_before = len(ctx.findings)
        if parse_arch(header.target) != parse_arch(artifact.arch):
            ctx.add(Severity.ERROR, "PTX_TARGET_MISMATCH", shown, f"{at}.arch",
                    f"{op.id}: {artifact.path} says .target {header.target} but is declared for {artifact.arch}; "
                    "the hub would hand it to GPUs it was not built for", _REBUILD_FIX)
        if artifact.isa is not None and artifact.isa != header.isa_text:
            ctx.add(Severity.ERROR, "PTX_ISA_MISMATCH", shown, f"{at}.isa",
                    f"{op.id}: the manifest records PTX ISA {artifact.isa}, {artifact.path} says .version "
                    f"{header.isa_text}", _REBUILD_FIX)
        if limit is not None and header.isa > limit.isa:
            ctx.add(Severity.ERROR, "PTX_ISA_TOO_NEW", shown, f"{at}.isa",
                    f"{op.id}: {artifact.path} is PTX ISA {header.isa_text}, but {limit.describe()}; those drivers "
                    "fail to load it (CUDA_ERROR_UNSUPPORTED_PTX_VERSION), which TensorRT reports only when the "
                    "engine runs",
                    "rebuild with a compiler that writes an older ISA (Triton: the build lowers ptx_version "
                    "itself; NVRTC: pin the NVRTC release, e.g. nvidia-cuda-nvrtc-cu12==12.8.* for ISA 8.7), or "
                    "raise requires.cuda_driver")
        text = data.decode("ascii", errors="replace")
        entry = find_entry(text, artifact.kernel)
        if entry is None:
            names = [e.name for e in find_entries(text)]
            mangled = any(artifact.kernel in n for n in names)
            ctx.add(Severity.ERROR, "PTX_KERNEL_MISSING", shown, f"{at}.kernel",
                    f"{op.id}: {artifact.path} has no .entry {artifact.kernel!r} (entries: {', '.join(names) or 'none'})",
                    'declare the CUDA kernel extern "C" so its name is not mangled' if mangled else _REBUILD_FIX)
        elif expected is not None:
            got = [p.kind for p in entry.params]
            if got != [kind for kind, _ in expected]:
                have = ", ".join(f"{p.ptx_type} {p.name}" for p in entry.params)
                want = ", ".join(f"{label} {'.u64' if kind == 'ptr' else '.u32/.s32'}" for kind, label in expected)
                ctx.add(Severity.ERROR, "PTX_PARAMS_MISMATCH", shown, f"{at}.kernel",
                        f"{op.id}: kernel {artifact.kernel!r} takes ({have}); TensorRT launches it with ({want}): "
                        "input pointers, then the int32 launch.extras, then output pointers",
                        "reorder the kernel's parameters to that order (and launch.extras to match), then rebuild")
        found = _find_ptxas(header.isa)
        assembled_note = "not assembled (no ptxas)"
        if found is None:
            ctx.ptxas_missing[header.isa] = ctx.ptxas_missing.get(header.isa, 0) + 1
        else:
            tool, label = found
            ctx.ptxas_used[tool.path] = label
            try:
                assemble(text, header.target, tool, op_id=op.id, arch=artifact.arch)
            except PtxBuildError as exc:
                # The build's message is a headline then ptxas' own log, which names a temporary copy.
                log = str(exc).partition("\n")[2].strip().replace("kernel.ptx", Path(artifact.path).name)
                ctx.add(Severity.ERROR, "PTXAS_FAILED", shown, f"{at}.path",
                        f"{op.id}: {label} -arch={header.target} rejects {artifact.path}:\n{log}", _REBUILD_FIX)
            else:
                assembled += 1
                assembled_note = f"assembled by ptxas {tool.cuda[0]}.{tool.cuda[1]}"
        if len(ctx.findings) == problems_before:
            checked.append(f"{artifact.path}: .target {header.target}, ISA {header.isa_text}, sha256 ok, "
                           f"{artifact.kernel}({len(entry.params) if entry else '?'} params) in TensorRT's order, "
                           f"{assembled_note}")
    return files, assembled


def _find_ptxas(isa: tuple[int, int]) -> tuple[Any, str] | None:
    """A ``ptxas`` that reads ``isa`` and a label saying where it came from.

    Preference: ``TRT_PLUGIN_HUB_PTXAS``, then the one on ``PATH`` (what the author would run by
    hand), then the one bundled with Triton (the build prefers Triton's, which wrote the PTX).
    """
    import os

    from .build._ptxas import PTXAS_ENV, _candidates, _probe

    chosen = os.environ.get(PTXAS_ENV)
    on_path = shutil.which("ptxas")

    def rank(path: str) -> int:
        return 0 if path == chosen else 1 if path == on_path else 2

    for path in sorted(_candidates(), key=rank):
        tool = _probe(path)
        if tool is None or tool.max_isa < isa:
            continue
        version = f"ptxas {tool.cuda[0]}.{tool.cuda[1]}"
        where = {0: PTXAS_ENV, 1: "PATH"}.get(rank(path), "bundled with Triton; none on PATH reads this ISA")
        return tool, f"{version} ({where})"
    return None


def _raw_precheck(ctx: _Context, raw: object, manifest_file: str) -> tuple[object, set[int], set[str]]:
    """Checks on the raw JSON that the schema reader would stop at one by one.

    Returns the data to parse (AOT ops without PTX get a placeholder, so the source checks still
    run before the first build), the indexes of those ops, and the fields already reported.
    """
    reported: set[str] = set()
    unbuilt: set[int] = set()
    if not isinstance(raw, dict) or not isinstance(raw.get("ops"), list):
        return raw, unbuilt, reported
    ops = []
    for index, op in enumerate(raw["ops"]):
        where = f"ops[{index}]"
        if isinstance(op, dict) and isinstance(op.get("id"), str):
            op_id = op["id"]
            namespace, sep, name = op_id.partition("::")
            if not sep or "::" in name or "." in namespace or "." in name or (
                    namespace not in RESERVED_NAMESPACES and not (_IDENT.match(namespace) and _IDENT.match(name))):
                ctx.add(Severity.ERROR, "QDP_NAME_INVALID", manifest_file, f"{where}.id",
                        f"op id {op_id!r} is not 'namespace::name' with identifiers and no '.' on either side "
                        "(TensorRT refuses '.' in plugin namespaces and names)",
                        "use identifiers such as 'my_ops::fused_gelu', the same in the torch op and @trtp.register")
                reported.add(f"{where}.id")
            elif namespace in RESERVED_NAMESPACES:
                ctx.add(Severity.ERROR, "QDP_NAMESPACE_RESERVED", manifest_file, f"{where}.id",
                        f"op id {op_id!r} uses namespace {namespace!r}, which TensorRT reserves "
                        f"({', '.join(repr(n) for n in sorted(RESERVED_NAMESPACES))})",
                        "use your own namespace, e.g. the package name")
                reported.add(f"{where}.id")
        if isinstance(op, dict) and op.get("kind") == "aot" and not op.get("ptx"):
            ctx.add(Severity.ERROR, "PTX_NOT_BUILT", manifest_file, f"{where}.ptx",
                    f"{op.get('id')}: the AOT op has no PTX files yet (the manifest's ptx list is written by the build)",
                    _BUILD_FIX)
            unbuilt.add(index)
            op = {**op, "ptx": [{"arch": "sm_80", "path": "ptx/not-built.ptx", "kernel": "not_built",
                                 "sha256": "0" * 64}]}
        ops.append(op)
    return {**raw, "ops": ops}, unbuilt, reported


def _manifest_fix(exc: ManifestError) -> str:
    if exc.code == "MANIFEST_SCHEMA_UNSUPPORTED":
        return "write schema_version 1 (or upgrade trt-plugin-hub)"
    return f"correct field {exc.field!r}: {exc.expected} (see the manifest reference)" if exc.field else \
        "make the file a UTF-8 JSON object of at most 1 MiB (see the manifest reference)"


def validate_package(package_dir: Path | str, *, root: Path | str | None = None) -> tuple[PackageResult, list[ValidationFinding]]:
    """Validate the plugin package at ``package_dir`` (the folder holding ``trt_plugin.json``).

    File names in findings are relative to ``root`` (default: the folder above the package).
    """
    package_dir = Path(package_dir)
    ctx = _Context(Path(root) if root is not None else package_dir.resolve().parent)
    result = _validate_package(ctx, package_dir)
    _ptxas_summary(ctx)
    return result, ctx.findings


def _validate_package(ctx: _Context, package_dir: Path) -> PackageResult:
    import_root, dotted = _import_root(package_dir)
    manifest_path = package_dir / MANIFEST_FILENAME
    manifest_file = ctx.show(manifest_path)
    empty = PackageResult(dotted, ctx.show(package_dir), None, (), 0, 0)
    if not manifest_path.is_file():
        ctx.add(Severity.ERROR, "MANIFEST_MISSING", manifest_file, "",
                f"package {dotted} has no {MANIFEST_FILENAME}", f"add {MANIFEST_FILENAME} next to __init__.py "
                "(`trt-plugin-hub new` writes one) and list it as package data")
        return empty
    try:
        raw_bytes = manifest_path.read_bytes()
        if len(raw_bytes) > MAX_MANIFEST_BYTES:
            raise OSError(f"{len(raw_bytes)} bytes, more than the {MAX_MANIFEST_BYTES} the hub reads")
        raw = json.loads(raw_bytes.decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        ctx.add(Severity.ERROR, "MANIFEST_UNREADABLE" if not isinstance(exc, json.JSONDecodeError) else "MANIFEST_INVALID",
                manifest_file, "", f"{MANIFEST_FILENAME} of {dotted} cannot be read as UTF-8 JSON: {exc}",
                "write the manifest as UTF-8 JSON")
        return empty
    data, unbuilt, reported = _raw_precheck(ctx, raw, manifest_file)
    try:
        manifest: PluginManifest = parse_manifest(data, dotted)
    except ManifestError as exc:
        if exc.field not in reported:
            ctx.add(Severity.ERROR, exc.code, manifest_file, exc.field, str(exc), _manifest_fix(exc))
        return empty

    limit = None
    if any(op.kind == "aot" for op in manifest.ops):
        from ._errors import PtxBuildError
        from .build._isa import isa_limit_for_driver

        try:
            limit = isa_limit_for_driver(manifest.requires.cuda_driver)
        except PtxBuildError as exc:
            ctx.add(Severity.ERROR, "CUDA_DRIVER_UNDECLARED", manifest_file, "requires.cuda_driver", str(exc),
                    "declare the oldest supported driver, e.g. \"cuda_driver\": \">=570\" (loads PTX ISA <= 8.7)")

    sources = _Sources(ctx, package_dir, import_root)
    top_package = dotted.split(".")[0]
    summaries = []
    files = assembled = 0
    for index, op in enumerate(manifest.ops):
        where = f"ops[{index}]"
        signature, checked = _check_op_sources(ctx, sources, op, where, top_package)
        if op.kind == "aot":
            _check_launch(ctx, op, where, signature, manifest_file, checked)
            expected = _expected_params(ctx, op, where, signature, manifest_file) if op.launch else None
            if expected is not None:
                checked.append("kernel parameters: " + ", ".join(label for _, label in expected))
            if index not in unbuilt:
                n_files, n_assembled = _check_ptx(ctx, op, where, package_dir, expected, limit, checked)
                files += n_files
                assembled += n_assembled
        summaries.append(OpSummary(op.id, op.kind, tuple(checked)))
    return PackageResult(dotted, ctx.show(package_dir), manifest.name, tuple(summaries), files, assembled)


def _ptxas_summary(ctx: _Context) -> None:
    for isa, count in sorted(ctx.ptxas_missing.items()):
        ctx.add(Severity.INFO, "PTXAS_UNAVAILABLE", "", "",
                f"no ptxas that reads PTX ISA {isa[0]}.{isa[1]} was found (searched TRT_PLUGIN_HUB_PTXAS, Triton's "
                f"bundled ptxas and PATH): {count} PTX file(s) were not assembled",
                "install a CUDA toolkit whose ptxas reads that ISA (CUDA 12.8 reads 8.7, 13.0 reads 9.0) and put "
                "it on PATH, or set TRT_PLUGIN_HUB_PTXAS")


# ----------------------------------------------------------------------------------------------
# Targets: package, project, wheel, installed distribution


def _entry_point_modules(text: str) -> list[str]:
    parser = configparser.ConfigParser(delimiters=("=",), interpolation=None)
    parser.optionxform = str  # type: ignore[assignment, method-assign]
    try:
        parser.read_string(text)
    except configparser.Error:
        return []
    if not parser.has_section("torch_tensorrt.plugins"):
        return []
    return [value.partition(":")[0].strip() for value in parser["torch_tensorrt.plugins"].values()]


def _check_entry_points(ctx: _Context, modules: Sequence[str], packages: Sequence[tuple[str, Path]],
                        source_file: str, field_name: str, hint: str) -> None:
    declared = set(modules)
    for dotted, _path in packages:
        if dotted not in declared:
            ctx.add(Severity.ERROR, "ENTRY_POINT_MISSING", source_file, field_name,
                    f"no 'torch_tensorrt.plugins' entry point names package {dotted}, so the hub never discovers it",
                    hint.format(package=dotted, name=dotted.split(".")[-1]))


def _project_packages(ctx: _Context, project: Path) -> list[tuple[str, Path]]:
    try:
        from ._errors import PtxBuildError
        from .build.backend import _load_toml, plugin_package_dirs
    except ImportError as exc:  # the backend builds on setuptools
        raise ValidationTargetError(f"validating a project directory needs setuptools ({exc})") from exc
    try:
        dirs = plugin_package_dirs(project)
        config = _load_toml(project / "pyproject.toml")
    except (PtxBuildError, OSError, ValueError) as exc:
        raise ValidationTargetError(f"{project / 'pyproject.toml'}: {exc}") from exc
    packages = [(_import_root(d)[1], d) for d in dirs]
    entry_points = config.get("project", {}).get("entry-points", {}).get("torch_tensorrt.plugins", {})
    modules = [str(v).partition(":")[0].strip() for v in entry_points.values()] if isinstance(entry_points, dict) else []
    _check_entry_points(ctx, modules, packages, "pyproject.toml", 'project.entry-points."torch_tensorrt.plugins"',
                        'add [project.entry-points."torch_tensorrt.plugins"] with {name} = "{package}"')
    for module in modules:
        if module not in {p for p, _ in packages}:
            ctx.add(Severity.ERROR, "ENTRY_POINT_NOT_FOUND", "pyproject.toml", 'project.entry-points."torch_tensorrt.plugins"',
                    f"the entry point names {module}, which is not a plugin package of this project (none of "
                    f"{', '.join(p for p, _ in packages) or 'none'})",
                    "point the entry point at the package holding trt_plugin.json, or list that package in "
                    "[tool.trt-plugin-hub] packages")
    backend = config.get("build-system", {}).get("build-backend")
    has_aot_build = False
    for _dotted, path in packages:
        try:
            raw = json.loads((path / MANIFEST_FILENAME).read_text(encoding="utf-8"))
            has_aot_build = has_aot_build or any(isinstance(op, dict) and op.get("kind") == "aot" and op.get("build")
                                                 for op in raw.get("ops", []))
        except (OSError, ValueError, AttributeError):
            pass
    if has_aot_build and backend != _HUB_BACKEND:
        ctx.add(Severity.WARNING, "BUILD_BACKEND", "pyproject.toml", "build-system.build-backend",
                f"AOT ops declare build sections but the project builds with {backend!r}, which compiles no PTX: "
                "the wheel ships whatever PTX is in the tree",
                f'set build-backend = "{_HUB_BACKEND}" and add "trt-plugin-hub" to [build-system] requires')
    return packages


def _manifest_dirs(root: Path) -> list[Path]:
    return sorted(p.parent for p in root.rglob(MANIFEST_FILENAME) if "__pycache__" not in p.parts)


def _wheel_packages(ctx: _Context, root: Path, wheel: Path) -> list[tuple[str, Path]]:
    infos = sorted(root.glob("*.dist-info"))
    text = ""
    info_name = infos[0].name if infos else f"{wheel.name} (no .dist-info)"
    if infos and (infos[0] / "entry_points.txt").is_file():
        text = (infos[0] / "entry_points.txt").read_text(encoding="utf-8", errors="replace")
    modules = _entry_point_modules(text)
    packages: list[tuple[str, Path]] = []
    for module in modules:
        path = root.joinpath(*module.split("."))
        if not path.is_dir():
            ctx.add(Severity.ERROR, "ENTRY_POINT_NOT_FOUND", f"{info_name}/entry_points.txt", "torch_tensorrt.plugins",
                    f"the entry point names package {module}, which the wheel does not contain",
                    "include the package in the wheel or correct the entry point")
            continue
        packages.append((module, path))
    found = [(_import_root(d)[1], d) for d in _manifest_dirs(root)]
    _check_entry_points(ctx, modules, found, f"{info_name}/entry_points.txt", "torch_tensorrt.plugins",
                        'add [project.entry-points."torch_tensorrt.plugins"] {name} = "{package}" to pyproject.toml '
                        "and rebuild")
    for dotted, path in found:
        if dotted not in {p for p, _ in packages}:
            packages.append((dotted, path))
    return packages


def _distribution_packages(ctx: _Context, name: str) -> tuple[Path, list[tuple[str, Path]]] | None:
    from importlib import metadata

    from .discovery import ENTRY_POINT_GROUP, discover, locate_package
    from .settings import normalize_name

    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        dist = None
    if dist is not None:
        modules = [ep.value.partition(":")[0].strip() for ep in dist.entry_points if ep.group == ENTRY_POINT_GROUP]
        if not modules:
            raise ValidationTargetError(f"distribution {name} advertises no '{ENTRY_POINT_GROUP}' entry point: it "
                                        "is not a plugin package")
        packages = []
        for module in modules:
            located = Path(str(dist.locate_file(module.replace(".", "/"))))
            path = located if located.is_dir() else locate_package(module)
            if path is None:
                ctx.add(Severity.ERROR, "ENTRY_POINT_NOT_FOUND", "entry_points.txt", ENTRY_POINT_GROUP,
                        f"{name}'s entry point names package {module}, which is not installed",
                        f"reinstall {name}")
                continue
            packages.append((module, path))
        return (Path(str(dist.locate_file(""))), packages)
    wanted = normalize_name(name)
    for candidate in discover():
        if wanted in {normalize_name(n) for n in candidate.names} and candidate.package_dir is not None:
            return (_import_root(candidate.package_dir)[0], [(candidate.module, candidate.package_dir)])
    return None


@contextlib.contextmanager
def _resolved(target: str, ctx_factory: Any) -> Iterator[tuple[str, _Context, list[tuple[str, Path]]]]:
    path = Path(target)
    if path.is_file() and path.suffix == ".whl":
        with tempfile.TemporaryDirectory(prefix="trt-plugin-hub-validate-") as tmp:
            try:
                with zipfile.ZipFile(path) as archive:
                    # extractall drops absolute paths and '..' from member names.
                    archive.extractall(tmp)
            except (zipfile.BadZipFile, OSError) as exc:
                raise ValidationTargetError(f"{target} is not a readable wheel: {exc}") from exc
            ctx = ctx_factory(Path(tmp))
            yield "wheel", ctx, _wheel_packages(ctx, Path(tmp), path)
        return
    if path.is_dir() and (path / MANIFEST_FILENAME).is_file():
        ctx = ctx_factory(path.resolve().parent)
        yield "package", ctx, [(_import_root(path)[1], path)]
        return
    if path.is_dir() and (path / "pyproject.toml").is_file():
        ctx = ctx_factory(path.resolve())
        packages = _project_packages(ctx, path)
        if not packages:
            raise ValidationTargetError(f"project {target} has no package with a {MANIFEST_FILENAME} "
                                        "(list them in [tool.trt-plugin-hub] packages)")
        yield "project", ctx, packages
        return
    if path.exists():
        raise ValidationTargetError(f"{target} is not a plugin package (no {MANIFEST_FILENAME}), a project (no "
                                    "pyproject.toml) or a wheel (.whl)")
    ctx = ctx_factory(Path.cwd())
    found = _distribution_packages(ctx, target)
    if found is None:
        raise ValidationTargetError(f"{target!r} is neither a path nor an installed plugin distribution or plugin name")
    ctx.root = found[0]
    yield "distribution", ctx, found[1]


def validate(target: str | Path) -> ValidationReport:
    """Validate a package directory, project directory, wheel or installed distribution.

    Raises :class:`ValidationTargetError` when ``target`` is none of these; every problem of the
    plugin itself is a finding in the returned report.
    """
    text = str(target)
    with _resolved(text, lambda root: _Context(root)) as (kind, ctx, packages):
        results = tuple(_validate_package(ctx, path) for _dotted, path in packages)
        _ptxas_summary(ctx)
        tools = tuple(sorted(set(ctx.ptxas_used.values())))
        return ValidationReport(text, kind, results, tuple(ctx.findings), tools)


# ----------------------------------------------------------------------------------------------
# Command line
