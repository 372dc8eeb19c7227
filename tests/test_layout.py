"""The package's import layers: every import points down, and no import closes a cycle.

Read from the source with ``ast``: module-level imports, imports inside functions and under
``TYPE_CHECKING``, ``importlib.import_module`` with a constant name, hub module names held as
strings by a module that imports by name, and the root package's lazy ``_LAZY`` table.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = "trt_plugin_hub"
PACKAGE = Path(__file__).resolve().parent.parent / ROOT

#: Top to bottom. A group imports groups of lower layers only; the groups of one layer are
#: independent of each other. Within a group anything goes, but no cycle.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("cli",),
    ("authoring", "verify", "testing", "__init__"),
    ("_autoload",),
    ("_pipeline",),
    ("_warm",),
    ("_report",),
    ("_activation",),
    ("_decisions", "_lock"),
    ("_environment", "_discovery"),
    ("aot",),
    ("_manifest",),
    ("_ptx",),
    ("_launch", "_adapter"),
    ("_upstream",),
    ("_reasons", "_errors", "_settings", "_atomic", "_versions", "_guard", "_envelope", "_cachefile", "_lazy", "_gpu"),
    ("_record",),
    ("_version",),
)

#: Tools describe plugins; they never activate them.
FORBIDDEN = {("authoring", "_activation"), ("authoring", "_pipeline"), ("verify", "_activation"),
             ("verify", "_pipeline")}

#: Modules whose group is not their own name: a module path (or its first component) -> group.
GROUPS = {
    "__main__": "cli",
    "manifest": "_manifest", "settings": "_settings",
    "versions": "_versions",
    "_pending": "_report",  # the report, built when first read
    "_codes": "_reasons",  # what the codes mean, and the statuses
}

#: Imports that break the layers today. The list only shrinks: an entry that no longer occurs
#: (or no longer breaks a layer) fails the test until it is deleted here.
KNOWN_VIOLATIONS: set[tuple[str, str]] = set()


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


MODULES = _modules()


def _group(module: str) -> str:
    if module == ROOT:
        return "__init__"
    name = module[len(ROOT) + 1:]
    return GROUPS.get(name, GROUPS.get(name.split(".")[0], name.split(".")[0]))


def _resolve(package: str, name: str | None, level: int) -> str:
    """The absolute name of ``from <level dots><name> import ...`` in ``package``."""
    if not level:
        return name or ""
    parts = package.split(".")
    base = ".".join(parts[: len(parts) - level + 1])
    return f"{base}.{name}" if name else base


def _imports(module: str, path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    by_name = False
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            source = _resolve(package, node.module, node.level)
            for alias in node.names:
                found.add(f"{source}.{alias.name}" if f"{source}.{alias.name}" in MODULES else source)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module":
            by_name = True
            first = node.args[0] if node.args else None
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                text = first.value
                found.add(_resolve(package, text.lstrip("."), len(text) - len(text.lstrip("."))))
        elif isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "_LAZY" for t in node.targets):
            if isinstance(node.value, ast.Dict):
                found.update(f"{package}.{v.value}" for v in node.value.values if isinstance(v, ast.Constant))
    if by_name:
        found.update(n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and n.value in MODULES
                     and n.value != ROOT)
    return {n for n in found if n in MODULES and n != module}


GRAPH = {module: _imports(module, path) for module, path in MODULES.items()}
LAYER = {group: index for index, groups in enumerate(LAYERS) for group in groups}


def _short(module: str) -> str:
    return module[len(ROOT) + 1:] or "__init__"


def _violation(importer: str, imported: str) -> str | None:
    low, high = _group(importer), _group(imported)
    if (low, high) in FORBIDDEN:
        return f"{low} must not import {high}"
    if low == high:
        return None
    if LAYER[low] == LAYER[high]:
        return f"{low} and {high} are independent groups of one layer"
    if LAYER[low] > LAYER[high]:
        return f"{low} imports {high}, a higher layer"
    return None


def test_every_module_has_a_layer():
    assert {_group(m) for m in MODULES} - set(LAYER) == set()


def test_imports_point_down_the_layers():
    broken = {(_short(a), _short(b)): why for a, targets in GRAPH.items() for b in targets
              if (why := _violation(a, b)) is not None}
    new = {edge: why for edge, why in broken.items() if edge not in KNOWN_VIOLATIONS}
    assert not new, "\n".join(f"{a} -> {b}: {why}" for (a, b), why in sorted(new.items()))
    stale = KNOWN_VIOLATIONS - set(broken)
    assert not stale, f"no longer a violation, delete from KNOWN_VIOLATIONS: {sorted(stale)}"


def test_no_import_cycle():
    graph = {a: {b for b in targets if (_short(a), _short(b)) not in KNOWN_VIOLATIONS} for a, targets in GRAPH.items()}
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                return path[path.index(target):] + [target]
            if target not in state and (cycle := visit(target)):
                return cycle
        path.pop()
        state[module] = 2
        return None

    for module in sorted(graph):
        if module not in state:
            cycle = visit(module)
            assert cycle is None, "import cycle: " + " -> ".join(_short(m) for m in cycle)
