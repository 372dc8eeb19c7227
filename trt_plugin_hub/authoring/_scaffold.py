"""``trt-plugin-hub new NAME``: a plugin project that builds, validates and lists without edits.

The project holds one op per requested approach (the four of Torch-TensorRT's plugin page, and
``torch_tensorrt.kernels``):

``jit``
    ``<ns>::scaled_add(x, y, alpha=1.0)``: QDP JIT, a Triton kernel launched from Python.
``aot-triton``
    ``<ns>::relu(x)``: QDP AOT, a Triton kernel compiled to PTX when the wheel is built.
``aot-nvrtc``
    ``<ns>::scale(x, scale=1.0)``: QDP AOT, CUDA C++ compiled to PTX by NVRTC; the float attribute
    reaches the kernel as its int32 bit pattern.
``legacy``
    ``<ns>::leaky_relu(x, negative_slope=0.01)``: a hand-written converter the package registers.
``kernels``
    ``<ns>::square(x)``: a ``torch_tensorrt.kernels`` op, CUDA C++ compiled to PTX by NVRTC; the hub
    registers it through ``ptx_op`` from the manifest's schema and the package's meta and eager
    functions (``kernel_ops.py``), which define and register nothing themselves.

Every op but the kernels one is a ``torch.library`` custom op with a fake kernel and an eager reference, declared in
``trt_plugin.json`` and advertised through the ``torch_tensorrt.plugins`` entry point; the project
builds with the hub's backend (:mod:`trt_plugin_hub.authoring.backend`). The sources come from the
templates shipped in ``trt_plugin_hub/authoring/templates``.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any

from trt_plugin_hub._errors import ScaffoldError
from trt_plugin_hub._manifest import RESERVED_NAMESPACES
from trt_plugin_hub._manifest.schema import SCHEMA_ID

__all__ = [
    "DEFAULT_KINDS",
    "KINDS",
    "ProjectNames",
    "ScaffoldError",
    "build_commands",
    "create_project",
    "hub_checkout",
    "project_names",
    "render_project",
]

#: The approaches ``--kind`` accepts, in the order their ops appear.
KINDS = ("jit", "aot-triton", "aot-nvrtc", "legacy", "kernels")
DEFAULT_KINDS = ("jit", "aot-triton")

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-_][A-Za-z0-9]+)*\Z")
#: The architectures AOT kernels are built for: Ampere to Hopper. Triton writes sm_90a for sm_90.
_ARCHS = ["sm_80", "sm_86", "sm_89", "sm_90"]
_TRITON = "triton==3.6.0"
# NVRTC writes one PTX ISA per release: 12.8 writes 8.7, which drivers >=570 (the manifest's
# requires.cuda_driver) load. cuda-bindings 12.9 loads a 12.x NVRTC.
_NVRTC = ("nvidia-cuda-nvrtc-cu12==12.8.*", "cuda-bindings>=12.9,<13")

#: The op each approach scaffolds, in the package's namespace.
_OP_NAMES = {"jit": "scaled_add", "aot-triton": "relu", "aot-nvrtc": "scale", "legacy": "leaky_relu",
             "kernels": "square"}
_OP_LINES = {
    "jit": "``{ns}::scaled_add(x, y, alpha=1.0)`` = ``x + alpha * y``: QDP JIT, Triton kernel run from Python.",
    "aot-triton": "``{ns}::relu(x)``: QDP AOT, Triton kernel compiled to PTX when the wheel is built.",
    "aot-nvrtc": "``{ns}::scale(x, scale=1.0)`` = ``x * scale``: QDP AOT, CUDA C++ compiled to PTX by NVRTC.",
    "legacy": "``{ns}::leaky_relu(x, negative_slope=0.01)``: hand-written converter (legacy.py) adding a JIT plugin.",
    "kernels": "``{ns}::square(x)`` = ``x * x``: torch_tensorrt.kernels op (Torch-TensorRT >= 2.13), CUDA C++ "
               "compiled to PTX by NVRTC, registered by the hub through ptx_op.",
}


@dataclass(frozen=True)
class ProjectNames:
    """The names one ``NAME`` gives a project."""

    dist: str
    package: str
    namespace: str
    plugin: str

    @property
    def wheel_name(self) -> str:
        """How the distribution's wheel files begin (``acme_ops`` in ``acme_ops-0.1.0-py3-none-any.whl``)."""
        from packaging.utils import canonicalize_name  # imports packaging.tags: `new` only

        return canonicalize_name(self.dist).replace("-", "_")


def project_names(name: str) -> ProjectNames:
    """``acme-ops`` -> distribution ``acme-ops``, package and op namespace ``acme_ops``."""
    if not _NAME.match(name or ""):
        raise ScaffoldError(f"{name!r} is not a project name: use letters and digits, separated by single "
                            "'-' or '_', starting with a letter (e.g. 'acme-ops')")
    package = name.replace("-", "_").lower()
    if package in RESERVED_NAMESPACES:
        raise ScaffoldError(f"{name!r} would give the op namespace {package!r}, which TensorRT reserves")
    problem = _package_name_problem(package)
    if problem is not None:
        raise ScaffoldError(f"{name!r} would make package {package!r}, {problem}: choose a name of your own, "
                            f"such as '{package.replace('_', '-')}-ops' or 'acme-{package.replace('_', '-')}'")
    return ProjectNames(dist=name, package=package, namespace=package, plugin=name.lower())


#: Packages a plugin project lives beside: shadowing one breaks the plugin's own imports even
#: where it is not installed yet (the hub's build, test and run-time dependencies).
_ECOSYSTEM = frozenset({"torch", "torch_tensorrt", "tensorrt", "tensorrt_bindings", "tensorrt_libs", "triton",
                        "numpy", "cuda", "nvidia", "trt_plugin_hub", "setuptools", "packaging", "pytest"})


def _package_name_problem(package: str) -> str | None:
    """Why ``package`` cannot name a plugin package (a keyword, or an importable module it would shadow)."""
    import keyword
    import sys
    from importlib.util import find_spec

    if keyword.iskeyword(package):
        return "a Python keyword (`import " + package + "` is a syntax error)"
    if package in sys.stdlib_module_names or package in sys.builtin_module_names:
        return f"which shadows the standard library's {package}"
    if package in _ECOSYSTEM:
        return f"which shadows the module {package} that plugins and the hub import"
    try:
        found = find_spec(package) is not None
    except (ImportError, ValueError):
        found = False
    return f"which shadows the importable module {package}" if found else None


def _template(relative: str) -> str:
    return (resources.files("trt_plugin_hub.authoring") / "templates" / relative).read_text(encoding="utf-8")


def _render(relative: str, values: dict[str, str]) -> str:
    return Template(_template(relative)).substitute(values)


def _manifest(names: ProjectNames, kinds: Sequence[str]) -> dict[str, Any]:
    ns, package = names.namespace, names.package
    ops: list[dict[str, Any]] = []
    common = {"overload": None, "priority": "standard", "supports_dynamic_shapes": True,
              "requires_output_allocator": False, "use_aot_if_available": True, "jit_fallback": False,
              "capability_validator": None}
    if "jit" in kinds:
        ops.append({"id": f"{ns}::scaled_add", "kind": "jit", "module": f"{package}.qdp", **common})
    if "aot-triton" in kinds:
        ops.append({
            "id": f"{ns}::relu", "kind": "aot", "module": f"{package}.qdp", **common,
            "build": {"compiler": "triton", "source": f"{package}.kernels.triton_kernels:relu_kernel",
                      "signature": {"x_ptr": "*fp32", "n": "i32", "y_ptr": "*fp32"},
                      "constexprs": {"BLOCK_SIZE": 1024}, "num_warps": 4, "archs": list(_ARCHS)},
            # The build writes block_threads (num_warps * 32) and elements_per_block (BLOCK_SIZE)
            # from the kernel's build options: the author writes only the extras.
            "launch": {"extras": ["numel"]},
        })
    if "aot-nvrtc" in kinds:
        ops.append({
            "id": f"{ns}::scale", "kind": "aot", "module": f"{package}.qdp", **common,
            "build": {"compiler": "nvrtc", "source": "kernels/scale.cu", "kernel": "scale_kernel",
                      "options": ["--std=c++17"], "archs": list(_ARCHS)},
            "launch": {"block_threads": 256, "elements_per_block": 1024, "extras": ["numel", "attr:scale"]},
            # `trt-plugin-hub verify` runs the kernel with this value: not 1.0, which an ignored
            # attribute would also pass.
            "x-verify": {"attrs": {"scale": 2.5}},
        })
    if "legacy" in kinds:
        ops.append({"id": f"{ns}::leaky_relu", "overload": None, "kind": "legacy", "module": f"{package}.legacy",
                    "register": f"{package}.legacy:register", "priority": "standard"})
    if "kernels" in kinds:
        # The hub defines the torch op from `schema` and registers it through torch_tensorrt.kernels.ptx_op
        # with these functions and the PTX it chose; `aot: null` means its launch comes from `launch`.
        ops.append({
            "id": f"{ns}::square", "kind": "kernels", "module": f"{package}.kernel_ops",
            "schema": "(Tensor x) -> Tensor",
            "meta": f"{package}.kernel_ops:square_meta", "eager": f"{package}.kernel_ops:square_eager", "aot": None,
            **common,
            "build": {"compiler": "nvrtc", "source": "kernels/square.cu", "kernel": "square_kernel",
                      "options": ["--std=c++17"], "archs": list(_ARCHS)},
            "launch": {"block_threads": 256, "elements_per_block": 256, "extras": ["numel"]},
            # ptx_op restricts no types; the kernel reads and writes float.
            "formats": [{"types": "FP32, FP32", "layouts": "LINEAR"}],
        })
    return {
        "$schema": SCHEMA_ID,
        "schema_version": 1,
        "name": names.plugin,
        "description": f"TensorRT plugins of {names.dist}.",
        "requires": {
            "tensorrt": ">=10.9",
            "torch": ">=2.6",
            "torch_tensorrt": ">=2.8",
            "python": ">=3.10",
            # The oldest driver decides the newest PTX ISA the build may write (570: ISA 8.7).
            "cuda_driver": ">=570",
            "compute_capability": {"min": "8.0", "max": "12.0"},
        },
        "ops": ops,
    }


def render_project(name: str, kinds: Sequence[str] = DEFAULT_KINDS) -> dict[str, str]:
    """Every file of the project, as ``relative path -> text``; nothing is written."""
    names = project_names(name)
    unknown = [k for k in kinds if k not in KINDS]
    if unknown or not kinds:
        raise ScaffoldError(f"unknown kind(s) {unknown or kinds!r}: choose from {', '.join(KINDS)}")
    kinds = [k for k in KINDS if k in kinds]
    pkg = names.package
    build_requires = "".join(f'    "{req}",\n' for req in (
        ([_TRITON] if "aot-triton" in kinds else [])
        + (list(_NVRTC) if {"aot-nvrtc", "kernels"} & set(kinds) else [])))
    op_lines = "\n".join(f"* {_OP_LINES[k].format(ns=names.namespace)}" for k in kinds)
    op_ids = ", ".join(f'"{names.namespace}::{_OP_NAMES[k]}"' for k in kinds)
    values = {
        "dist": names.dist, "package": pkg, "namespace": names.namespace, "build_requires": build_requires,
        "op_lines": op_lines, "op_ids": op_ids, "wheel_glob": f"{names.wheel_name}-*.whl",
        "hub_import": "from trt_plugin_hub.aot import launch\n\n" if {"aot-triton", "aot-nvrtc"} & set(kinds) else "",
        "typing_names": "List, Tuple, Union" if {"aot-triton", "aot-nvrtc"} & set(kinds) else "List, Tuple",
    }
    files = {
        "pyproject.toml": _render("project/pyproject.toml.tmpl", values),
        "MANIFEST.in": _render("project/MANIFEST.in.tmpl", values),
        "README.md": _render("project/README.md.tmpl", values),
        f"{pkg}/__init__.py": _render("package/__init__.py.tmpl", values),
        f"{pkg}/py.typed": "",
        f"{pkg}/trt_plugin.json": json.dumps(_manifest(names, kinds), indent=2) + "\n",
        f"{pkg}/ops.py": "".join(_render(f"package/ops_{part}.py.tmpl", values) for part in ["header", *kinds]),
        f"{pkg}/kernels/__init__.py": _render("package/kernels/__init__.py.tmpl", values),
        "tests/test_ops.py": "".join(_render(f"tests/test_ops_{part}.py.tmpl", values)
                                     for part in ["header", *kinds, "footer"]),
        "tests/test_hub.py": _render("tests/test_hub.py.tmpl", values),
    }
    qdp_kinds = [k for k in kinds if k not in ("legacy", "kernels")]
    if qdp_kinds:
        files[f"{pkg}/qdp.py"] = "".join(_render(f"package/qdp_{part}.py.tmpl", values)
                                         for part in ["header", *qdp_kinds])
    if "legacy" in kinds:
        files[f"{pkg}/legacy.py"] = _render("package/legacy.py.tmpl", values)
    triton_kinds = [k for k in kinds if k in ("jit", "aot-triton", "legacy")]
    if triton_kinds:
        files[f"{pkg}/kernels/triton_kernels.py"] = "".join(
            _render(f"package/kernels/triton_{part}.py.tmpl", values) for part in ["header", *triton_kinds])
    if "aot-nvrtc" in kinds:
        files[f"{pkg}/kernels/scale.cu"] = _render("package/kernels/scale.cu.tmpl", values)
    if "kernels" in kinds:
        files[f"{pkg}/kernel_ops.py"] = _render("package/kernel_ops.py.tmpl", values)
        files[f"{pkg}/kernels/square.cu"] = _render("package/kernels/square.cu.tmpl", values)
    return files


def hub_checkout() -> Path | None:
    """The source checkout this hub runs from (an editable install or ``PYTHONPATH``), else ``None``.

    Before the hub is published, a plugin's build finds ``trt-plugin-hub`` (a build requirement)
    only as a wheel built from such a checkout.
    """
    root = Path(__file__).resolve().parents[2]
    pyproject = root / "pyproject.toml"
    try:
        text = pyproject.read_text(encoding="utf-8")
    except OSError:
        return None
    return root if re.search(r'^name\s*=\s*"trt-plugin-hub"', text, re.MULTILINE) else None


def build_commands(checkout: Path | None) -> list[tuple[str, str]]:
    """The shell commands (with a comment each) that build a new project's wheel into ``dist/``.

    ``--find-links dist`` lets pip's isolated build environment install ``trt-plugin-hub`` from
    the hub wheel built into ``dist/`` from ``checkout``, so the build works before the hub is on
    the author's package index (and, from a published hub on, finds it there as usual).
    """
    build = ("pip wheel --no-deps --find-links dist -w dist .", "compiles the AOT kernels to PTX (no GPU needed)")
    if checkout is None:
        return [build]
    hub = f"pip wheel --no-deps -w dist {shlex.quote(str(checkout))}"
    return [(hub, "the hub's wheel: a build requirement not on your index yet"), build]


def create_project(name: str, directory: Path | str | None = None, kinds: Sequence[str] = DEFAULT_KINDS) -> list[Path]:
    """Write the project for ``name`` into ``directory`` (default ``./NAME``); returns the files written.

    Refuses a directory that exists and is not empty, so nothing of the author's is overwritten.
    """
    files = render_project(name, kinds)
    target = Path(directory) if directory is not None else Path(name)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ScaffoldError(f"{target} exists and is not an empty directory; choose another --dir")
    written = []
    for relative, text in files.items():
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
