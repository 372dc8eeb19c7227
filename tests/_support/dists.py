"""Builders of real site directories for discovery tests.

``make_dist`` lays down a real ``.dist-info`` folder (METADATA, entry_points.txt, RECORD) and the
package files beside it, the way an installer would. ``write_plugin_source`` writes a plugin
project that pip can build into a wheel.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
#: Put on ``sys.path`` of a subprocess over the real upstream layers to ``from drive import convert``.
DRIVE = REPO / "tests" / "_support" / "upstream"


#: Child code that records, in ``planned``, whether each activation found an activation plan that holds.
RECORD_PLANS = """
import trt_plugin_hub._warm as warm
planned = []
real_load_plan = warm.load_plan
def recording_load_plan(*args, **kwargs):
    plan = real_load_plan(*args, **kwargs)
    planned.append(plan is not None)
    return plan
warm.load_plan = recording_load_plan
"""

#: A minimal PTX file with the header and entry the hub checks: ``relu_kernel(ptr, u32, ptr)``.
RELU_PTX = (".version 8.7\n.target {arch}\n.address_size 64\n\n.visible .entry relu_kernel(\n"
            "\t.param .u64 p0,\n\t.param .u32 p1,\n\t.param .u64 p2\n)\n{{\n\tret;\n}}\n")


def relu_ptx(archs: Sequence[str] = ("sm_80", "sm_90a")) -> tuple[dict[str, str | bytes], list[dict[str, Any]]]:
    """The package files ``ptx/relu.<arch>.ptx`` and the manifest's ``ptx`` entries for them (with sha256)."""
    files: dict[str, str | bytes] = {}
    entries: list[dict[str, Any]] = []
    for arch in archs:
        text = RELU_PTX.format(arch=arch)
        files[f"ptx/relu.{arch}.ptx"] = text
        entries.append({"arch": arch, "path": f"ptx/relu.{arch}.ptx", "kernel": "relu_kernel",
                        "sha256": hashlib.sha256(text.encode()).hexdigest(), "isa": "8.7"})
    return files, entries


def make_dist(
    site: Path,
    name: str,
    version: str,
    *,
    entry_points: Mapping[str, Mapping[str, str]] | None = None,
    files: Mapping[str, str | bytes] | None = None,
) -> Path:
    """Write ``files`` under ``site`` and a ``<name>-<version>.dist-info`` describing them."""
    site.mkdir(parents=True, exist_ok=True)
    for relative, content in (files or {}).items():
        path = site / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    dist_info = site / f"{name.replace('-', '_')}-{version}.dist-info"
    dist_info.mkdir(parents=True, exist_ok=True)
    (dist_info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", encoding="utf-8")
    if entry_points:
        lines = []
        for group, items in entry_points.items():
            lines.append(f"[{group}]")
            lines.extend(f"{key} = {value}" for key, value in items.items())
            lines.append("")
        (dist_info / "entry_points.txt").write_text("\n".join(lines), encoding="utf-8")
    record = [f"{relative},," for relative in (files or {})]
    (dist_info / "RECORD").write_text("\n".join(record) + "\n", encoding="utf-8")
    (dist_info / "INSTALLER").write_text("pip\n", encoding="utf-8")
    return dist_info


def manifest(name: str, ops: Sequence[Mapping[str, Any]], requires: Mapping[str, Any] | None = None) -> str:
    """A manifest's JSON text."""
    data: dict[str, Any] = {"schema_version": 1, "name": name, "description": f"{name} test plugin"}
    if requires is not None:
        data["requires"] = dict(requires)
    data["ops"] = [dict(op) for op in ops]
    return json.dumps(data, indent=2)


def jit_op(op_id: str, module: str, **extra: Any) -> dict[str, Any]:
    """A JIT op entry."""
    return {"id": op_id, "kind": "jit", "module": module, **extra}


def qdp_module(ops: Sequence[str], *, aot: Sequence[str] = (), extra: str = "") -> str:
    """Source of a module defining torch ops ``ns::name(Tensor x) -> Tensor`` with QDP register/impl.

    Ops listed in ``aot`` also get an ``aot_impl`` that returns the hub-bound PTX.
    """
    parts = [
        "from typing import Tuple, Union",
        "import torch",
        "import tensorrt.plugin as trtp",
        "import trt_plugin_hub.aot",
        "",
    ]
    for index, op_id in enumerate(ops):
        fn = f"_op{index}"
        parts.append(textwrap.dedent(f'''
            @torch.library.custom_op({op_id!r}, mutates_args=())
            def {fn}(x: torch.Tensor) -> torch.Tensor:
                return x.clone()

            @{fn}.register_fake
            def _(x):
                return torch.empty_like(x)

            @trtp.register({op_id!r})
            def _(x: trtp.TensorDesc) -> tuple[trtp.TensorDesc]:
                return x.like()

            @trtp.impl({op_id!r})
            def _(x: trtp.Tensor, outputs: Tuple[trtp.Tensor], stream: int) -> None:
                pass
        '''))
        if op_id in aot:
            parts.append(textwrap.dedent(f'''
                @trtp.aot_impl({op_id!r})
                def _(x: trtp.TensorDesc, outputs: Tuple[trtp.TensorDesc], tactic: int
                      ) -> Tuple[Union[str, bytes], Union[str, bytes], trtp.KernelLaunchParams, trtp.SymIntExprs]:
                    return trt_plugin_hub.aot.launch({op_id!r}, inputs=(x,))
            '''))
    parts.append(extra)
    return "\n".join(parts)


def write_plugin_source(root: Path, dist: str, package: str, manifest_text: str, modules: Mapping[str, str],
                        version: str = "1.0.0", extra_files: Mapping[str, str | bytes] | None = None) -> Path:
    """A buildable plugin project (setuptools) at ``root``; returns ``root``."""
    pkg = root / package
    pkg.mkdir(parents=True, exist_ok=True)
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "trt_plugin.json").write_text(manifest_text, encoding="utf-8")
    for name, source in modules.items():
        (pkg / f"{name}.py").write_text(source, encoding="utf-8")
    for relative, content in (extra_files or {}).items():
        path = pkg / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    (root / "pyproject.toml").write_text(textwrap.dedent(f'''
        [build-system]
        requires = ["setuptools>=69"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "{dist}"
        version = "{version}"

        [project.entry-points."torch_tensorrt.plugins"]
        {package} = "{package}"

        [tool.setuptools]
        packages = ["{package}"]

        [tool.setuptools.package-data]
        {package} = ["*.json", "**/*.ptx"]
    '''), encoding="utf-8")
    return root


def build_wheel(project: Path, out: Path) -> Path:
    """``pip wheel`` the project as its author would, minus build isolation (the test environment has
    setuptools and the compilers); returns the wheel built last.
    """
    out.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
         "-w", str(out), str(project)],
        capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    wheels = sorted(out.glob("*.whl"), key=os.path.getmtime)
    return wheels[-1]


def pip_install(wheels: Sequence[Path], target: Path, *, upgrade: bool = False) -> None:
    """Install wheels into a site directory with pip (``--target``)."""
    cmd = [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "-q", "--target", str(target)]
    if upgrade:
        cmd.append("--upgrade")
    subprocess.run(cmd + [str(w) for w in wheels], check=True, capture_output=True, text=True)


def run_python(code: str, *, paths: Sequence[Path] = (), env: Mapping[str, str] | None = None,
               check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter with ``paths`` first on ``sys.path``."""
    proc = subprocess.run([sys.executable, "-c", code], env=subprocess_env(paths, env), capture_output=True,
                          text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
    return proc


def subprocess_env(paths: Sequence[Path], env: Mapping[str, str] | None = None) -> dict[str, str]:
    """A subprocess's environment: no ``TRT_PLUGIN_HUB_*`` of this process, no discovery cache, ``paths`` first."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("TRT_PLUGIN_HUB_")}
    full["TRT_PLUGIN_HUB_NO_CACHE"] = "1"
    full.update(env or {})
    full["PYTHONPATH"] = os.pathsep.join(str(p) for p in paths)
    return full


def spawn(code: str, paths: Sequence[Path], env: Mapping[str, str] | None = None) -> subprocess.Popen[str]:
    """Start ``code`` in a fresh interpreter, as :func:`run_python` runs it, without waiting."""
    return subprocess.Popen([sys.executable, "-c", code], env=subprocess_env(paths, env), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)

