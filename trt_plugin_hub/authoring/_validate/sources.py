"""Reading a plugin package's Python sources with :mod:`ast`, without importing them.

What ``validate`` needs of them: the imports' aliases, the functions decorated with TensorRT's QDP
decorators or ``torch.library``'s, the torch schemas (from ``custom_op`` functions or
``define`` strings) and the package's modules.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .model import Findings

__all__ = [
    "Decorated",
    "Source",
    "Sources",
    "TorchSchema",
    "annotation_text",
    "dotted_name",
    "import_root_of",
    "qualify",
]


_QDP_MODULES = ("tensorrt.plugin", "tensorrt_bindings.plugin")
_TORCH_OP_DECORATORS = ("torch.library.custom_op", "torch.library.triton_op", "torch._library.custom_ops.custom_op")


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
class Decorated:
    """A function decorated with a QDP or torch.library decorator for one op id."""

    kind: str  # register | impl | aot_impl | autotune | custom_op
    op_id: str
    function: ast.FunctionDef | ast.AsyncFunctionDef
    lazy: bool
    source: Source

    @property
    def line(self) -> int:
        """The line of the ``def``."""
        return self.function.lineno

    def params(self) -> list[_Param]:
        """The function's parameters: positional, keyword-only, then ``*args`` and ``**kwargs``."""
        args = self.function.args
        result: list[_Param] = []
        positional = [*args.posonlyargs, *args.args]
        defaults_from = len(positional) - len(args.defaults)
        for index, arg in enumerate(positional):
            default = args.defaults[index - defaults_from] if index >= defaults_from else None
            result.append(_Param(arg.arg, arg.annotation, default, index < len(args.posonlyargs), arg.lineno))
        result.extend(_Param(kwarg.arg, kwarg.annotation, kw_default, False, kwarg.lineno)
                      for kwarg, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True))
        result.extend(_Param(variadic.arg, variadic.annotation, None, True, variadic.lineno)
                      for variadic in (args.vararg, args.kwarg) if variadic is not None)
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
class TorchSchema:
    op_id: str
    args: tuple[_SchemaArg, ...]
    text: str
    source: Source
    line: int


@dataclass(eq=False)
class Source:
    """One parsed ``.py`` file and what it defines (compared by identity: one object per file)."""

    path: Path
    display: str
    tree: ast.Module | None
    error: str | None = None
    aliases: dict[str, str] = field(default_factory=dict)
    future_annotations: int | None = None
    decorated: list[Decorated] = field(default_factory=list)
    schemas: list[TorchSchema] = field(default_factory=list)
    top_level: set[str] = field(default_factory=set)
    #: Registrations whose op id is not a string this reading can see: ``qdp`` (a QDP decorator
    #: called with a computed id) or ``torch`` (a torch.library definition with a computed name).
    unread: set[str] = field(default_factory=set)


def dotted_name(expr: ast.expr) -> str | None:
    """``a.b.c`` for a name or attribute chain, else None."""
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute):
        base = dotted_name(expr.value)
        return f"{base}.{expr.attr}" if base else None
    return None


def qualify(expr: ast.expr, aliases: Mapping[str, str]) -> str | None:
    """``trtp.register`` -> ``tensorrt.plugin.register`` through the file's imports."""
    dotted = dotted_name(expr)
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


def _parse_source(path: Path, display: str) -> Source:
    try:
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text, filename=display)
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError) as exc:
        return Source(path, display, None, error=f"{type(exc).__name__}: {exc}")
    source = Source(path, display, tree)
    source.aliases = _collect_aliases(tree)
    _read_top_level(source, tree)
    libraries: dict[str, str] = {}
    constants = _string_constants(tree)
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            _read_decorators(source, node, constants)
        elif (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
              and qualify(node.value.func, source.aliases) == "torch.library.Library"):
            # lib = torch.library.Library("ns", "DEF"): remember the namespace for lib.define(...).
            namespace = _string_arg(node.value)
            if namespace is not None:
                libraries.update({t.id: namespace for t in node.targets if isinstance(t, ast.Name)})
            else:
                source.unread.add("torch")
    decorators = {id(d) for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                  for d in node.decorator_list}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            schema = _schema_from_define(node, source, libraries)
            if schema is not None:
                source.schemas.append(schema)
            elif id(node) not in decorators:
                _note_unread(source, node)
    return source


def _note_unread(source: Source, call: ast.Call) -> None:
    """Record a registration ``call`` (not a decorator) whose op this reading does not learn."""
    name = qualify(call.func, source.aliases) or ""
    if name == "torch.library.define" or name in _TORCH_OP_DECORATORS:
        source.unread.add("torch")  # a define whose strings are computed, or custom_op(...)(fn)
    elif _qdp_decorator(name) is not None:
        source.unread.add("qdp")  # trtp.register(op_id)(fn)


def _read_top_level(source: Source, tree: ast.Module) -> None:
    """The module's ``from __future__ import annotations`` line and the names it defines at top level."""
    for statement in tree.body:
        if isinstance(statement, ast.ImportFrom) and statement.module == "__future__" and any(
                a.name == "annotations" for a in statement.names):
            source.future_annotations = statement.lineno
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            source.top_level.add(statement.name)
        elif isinstance(statement, ast.Assign):
            source.top_level.update(t.id for t in statement.targets if isinstance(t, ast.Name))


def _decorator_kind(name: str) -> str | None:
    kind = _qdp_decorator(name)
    if kind is None and name in _TORCH_OP_DECORATORS:
        kind = "custom_op"
    return kind


def _read_decorators(source: Source, node: ast.FunctionDef | ast.AsyncFunctionDef,
                     constants: Mapping[str, str]) -> None:
    """Record ``node`` once per QDP or torch.library decorator naming an op id (and its schema)."""
    for decorator in node.decorator_list:
        if not isinstance(decorator, ast.Call):
            continue
        op_id = _string_arg(decorator, constants)
        name = qualify(decorator.func, source.aliases)
        kind = _decorator_kind(name) if name is not None else None
        if kind is None:
            continue
        if op_id is None:
            source.unread.add("torch" if kind == "custom_op" else "qdp")
            continue
        lazy = any(k.arg == "lazy_register" and isinstance(k.value, ast.Constant) and k.value.value is True
                   for k in decorator.keywords)
        entry = Decorated(kind, op_id, node, lazy, source)
        source.decorated.append(entry)
        if kind == "custom_op":
            source.schemas.append(_schema_from_function(entry))


def annotation_text(expr: ast.expr | None) -> str:
    """The annotation as source text (empty when there is none)."""
    return ast.unparse(expr) if expr is not None else ""


def _is_tensor_annotation(expr: ast.expr | None) -> bool:
    text = annotation_text(expr)
    return text.split(".")[-1] == "Tensor" or text in ("torch.Tensor", "Tensor")


def _schema_from_function(entry: Decorated) -> TorchSchema:
    args = []
    for param in entry.params():
        text = annotation_text(param.annotation)
        default = ast.unparse(param.default) if param.default is not None else None
        args.append(_SchemaArg(param.name, _is_tensor_annotation(param.annotation), text, default))
    shown = ", ".join(f"{a.type_name or '?'} {a.name}" + (f"={a.default}" if a.has_default else "") for a in args)
    return TorchSchema(entry.op_id, tuple(args), f"({shown})", entry.source, entry.line)


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


def _schema_from_define(call: ast.Call, source: Source, libraries: Mapping[str, str]) -> TorchSchema | None:
    """``torch.library.define("ns::op", "(Tensor x, float a=1.0) -> Tensor")`` or ``lib.define("op(...)")``."""
    name = qualify(call.func, source.aliases)
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
    return TorchSchema(op_id, tuple(args), schema.strip(), source, call.lineno)


def _native_ops(path: Path) -> bool:
    """Whether ``path`` is a compiled module, or C++/CUDA source defining torch ops (``TORCH_LIBRARY``)."""
    if path.suffix in (".so", ".pyd"):
        return True
    return path.suffix in (".cpp", ".cc", ".cu") and "TORCH_LIBRARY" in path.read_text(encoding="utf-8",
                                                                                       errors="replace")


def import_root_of(package_dir: Path) -> tuple[Path, str]:
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


class Sources:
    """The package's Python files, parsed on first use."""

    def __init__(self, ctx: Findings, package_dir: Path, import_root: Path) -> None:
        self.ctx = ctx
        self.package_dir = package_dir
        self.import_root = import_root
        self._parsed: dict[Path, Source] = {}

    def get(self, path: Path) -> Source:
        """The parsed file at ``path``."""
        path = path.resolve()
        if path not in self._parsed:
            self._parsed[path] = _parse_source(path, self.ctx.show(path))
        return self._parsed[path]

    def module(self, name: str) -> Source | None:
        """The parsed file of module ``name`` (a ``.py`` or a package's ``__init__.py``), if present."""
        path = _module_file(self.import_root, name)
        return self.get(path) if path is not None else None

    def unread(self, kind: str) -> list[str]:
        """Files registering ``kind`` (``qdp`` or ``torch``) ops in a way this reading cannot follow.

        For ``torch``, native extensions count too: a compiled module or C++ source with
        ``TORCH_LIBRARY`` defines torch ops that no Python source shows.
        """
        found = [source.display for source in self.search_order(None) if kind in source.unread]
        if kind == "torch":
            found.extend(self.ctx.show(path) for path in sorted(self.package_dir.rglob("*")) if _native_ops(path))
        return found

    def search_order(self, first: Source | None) -> list[Source]:
        """The op's own module first, then every other module of the package (sorted)."""
        ordered = [first] if first is not None else []
        for path in sorted(self.package_dir.rglob("*.py")):
            if "__pycache__" in path.parts:
                continue
            source = self.get(path)
            if source not in ordered:
                ordered.append(source)
        return ordered
