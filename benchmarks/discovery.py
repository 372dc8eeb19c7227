"""Benchmark: what the hub costs next to the raw entry-point scan it replaces.

This is a benchmark, not a test: it builds synthetic environments of real ``.dist-info`` folders
(N = 10, 100, 1000, 5000 distributions, 1% of them - at least one - plugins with realistic
manifests and PTX files), then measures in fresh subprocesses, as medians of repeated runs:

(a) ``importlib.metadata.entry_points(group="torch_tensorrt.plugins")``, the raw scan;
(b) the hub's discovery + manifest reading + decisions (``trt_plugin_hub.report()``), no cache;
(c) the same with a warm discovery cache;
(d) ``import torch`` with the hub installed (its ``torch.backends`` hook on) against the hub
    absent, plus the hook's own cost measured directly;
(e) activating the plugins with ``trt_plugin_hub.load()`` against the same imports, PTX binding
    and ``_generate_plugin_converter`` calls written by hand (TensorRT and Torch-TensorRT are the
    real upstream Python layers that ``tests/_support/upstream`` assembles from the registry's wheels:
    Torch-TensorRT 2.14.0 and TensorRT 11.1 with a stand-in for its compiled module).

Each subprocess runs ``python -S`` with only the synthetic site directory on ``sys.path`` (plus
the standard library), from an empty working directory; on a host whose torch has no CUDA, the
activation children apply the upstream harness's ``torch.cuda`` patches (``_hub_test_cpu``, which
``-S`` keeps from running as a ``sitecustomize``) so that the real ``torch_tensorrt`` imports.
Timings inside a subprocess start after the modules the step needs are imported; the hub's own
import time is reported separately. The host has no GPU, so the hub's GPU probe runs for real and
its answer is then replaced by an sm_90 GPU with driver 580, so that every decision (PTX
selection, sha256, header checks) runs.

It prints a table, then as its last line one JSON object. ``--quick`` (N up to 1000, fewer
repetitions) finishes in under a minute on a 2-core machine.

Usage::

    python benchmarks/discovery.py [--quick] [--sizes 10,100,1000,5000] [--repeats 11]
                                   [--workdir DIR] [--keep] [--split] [--instructions auto|on|off]

``--split`` adds two arms to (e): both activations with the hub's modules imported before the
clock, which splits ``load()``'s cost into what its modules cost and what its work costs.

(i) counts, under valgrind's callgrind, the instructions each side of (e) executes in its timed
regions, once each (the counts are deterministic: the children run with ``PYTHONHASHSEED=0``),
with the same split into modules and work. It runs in the full mode where valgrind is installed
on x86-64 (``--instructions on`` adds it to ``--quick``; ``off`` leaves it out) and takes about
three minutes.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from _support import upstream  # tests/_support/upstream: the real tensorrt / torch_tensorrt Python layers
from _support.dists import qdp_module  # plugin module sources

GROUP = "torch_tensorrt.plugins"
ARCHS = ("sm_80", "sm_86", "sm_89", "sm_90")
#: The GPU the decisions are made for (the benchmark host has none).
ASSUMED_GPU = {"cc": [9, 0], "driver": "580.65.06", "cuda": [13, 0], "name": "assumed sm_90 GPU (benchmark)"}
#: Distributions every environment also holds: what the hub and the measured steps need (numpy,
#: TensorRT and Torch-TensorRT come from the upstream cell below).
SUPPORT_DISTRIBUTIONS = ("torch", "packaging")
#: The real upstream layers every environment holds (numpy < 2.4, which TensorRT 11.1 needs).
UPSTREAM_CELL = upstream.DEFAULT_CELL
#: Environment variables that would change what a child measures.
_SCRUB = ("PYTHON", "TRT_PLUGIN_HUB_", "TORCH_DEVICE_BACKEND_AUTOLOAD")


# ----------------------------------------------------------------------------------------------
# Building environments


@dataclass(frozen=True)
class Plugin:
    """One synthetic plugin package: what the hand-written activation needs to know."""

    distribution: str
    package: str
    module: str
    #: (namespace, name, kind, kernel, ptx path for sm_90 relative to the package, sha256)
    ops: tuple[tuple[str, str, str, str | None, str | None, str | None], ...]


@dataclass(frozen=True)
class Site:
    """A synthetic environment: one directory to put on ``sys.path``."""

    n: int
    path: Path
    plugins: tuple[Plugin, ...]


def _ptx_text(kernel: str, arch: str, index: int) -> str:
    """A PTX file with the header and entry the hub reads, and a body of realistic size."""
    body = "\n".join(
        f"\tld.global.f32 \t%f{k}, [%rd{k % 7}+{4 * k}];\n\tmax.f32 \t%f{k + 1}, %f{k}, 0f00000000;"
        for k in range(60)
    )
    return textwrap.dedent(f"""\
        //
        // Generated by the trt-plugin-hub benchmark ({index})
        //

        .version 8.7
        .target {arch}
        .address_size 64

        .visible .entry {kernel}(
        \t.param .u64 .ptr .global .align 1 {kernel}_param_0,
        \t.param .u32 {kernel}_param_1,
        \t.param .u64 .ptr .global .align 1 {kernel}_param_2
        )
        .reqntid 128
        {{
        \t.reg .pred \t%p<17>;
        \t.reg .b32 \t%r<27>;
        \t.reg .f32 \t%f<64>;
        \t.reg .b64 \t%rd<39>;
        """) + body + "\n\tret;\n}\n"


def _metadata(name: str, version: str, requires: Sequence[str] = (), readme_paragraphs: int = 1) -> str:
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {name}",
        f"Version: {version}",
        f"Summary: {name}, a synthetic distribution for the trt-plugin-hub benchmark",
        f"Home-page: https://example.invalid/{name}",
        "Author: Benchmark",
        "License: BSD-3-Clause",
        "Classifier: Programming Language :: Python :: 3",
        "Classifier: Programming Language :: Python :: 3.11",
        "Classifier: Operating System :: POSIX :: Linux",
        "Requires-Python: >=3.9",
        *(f"Requires-Dist: {r}" for r in requires),
        "Description-Content-Type: text/markdown",
        "",
        f"# {name}\n\n" + ("A paragraph of the long description that every real package carries. " * 12
                            + "\n\n") * readme_paragraphs,
    ]
    return "\n".join(lines) + "\n"


def _write_dist(site: Path, name: str, version: str, files: Mapping[str, str | bytes],
                entry_points: Mapping[str, Mapping[str, str]] | None, requires: Sequence[str] = (),
                readme_paragraphs: int = 1) -> None:
    """Lay down package files and a ``.dist-info`` folder the way pip does."""
    for relative, content in files.items():
        target = site / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    info = site / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    meta = {
        "METADATA": _metadata(name, version, requires, readme_paragraphs),
        "WHEEL": "Wheel-Version: 1.0\nGenerator: bdist_wheel (0.43.0)\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        "INSTALLER": "pip\n",
        "top_level.txt": "".join(sorted({f"{Path(r).parts[0]}\n" for r in files})),
    }
    if entry_points:
        meta["entry_points.txt"] = "".join(
            f"[{group}]\n" + "".join(f"{k} = {v}\n" for k, v in items.items()) + "\n"
            for group, items in entry_points.items()
        )
    for filename, text in meta.items():
        (info / filename).write_text(text, encoding="utf-8")
    record = [f"{relative},sha256=,{len(content)}" for relative, content in files.items()]
    record += [f"{info.name}/{filename},," for filename in (*meta, "RECORD")]
    (info / "RECORD").write_text("\n".join(record) + "\n", encoding="utf-8")


def _filler(site: Path, index: int) -> None:
    """An ordinary distribution; 40% declare entry points, as in real environments."""
    name = f"filler-pkg-{index:05d}"
    package = name.replace("-", "_")
    entry_points: dict[str, dict[str, str]] | None = None
    if index % 5 in (0, 2):
        entry_points = {"console_scripts": {f"{name}{k or ''}": f"{package}.cli:main{k}" for k in range(1 + index % 3)}}
        if index % 10 == 0:
            entry_points["some_framework.plugins"] = {f"ext{k}": f"{package}.ext:Ext{k}" for k in range(4)}
    files = {f"{package}/__init__.py": f'"""{name}."""\n__version__ = "1.{index % 9}.0"\n',
             f"{package}/cli.py": "def main():\n    return 0\n"}
    _write_dist(site, name, f"1.{index % 9}.{index % 4}", files, entry_points,
                requires=("numpy>=1.21", f"filler-pkg-{(index + 1) % 7:05d}"))


def _plugin(site: Path, index: int) -> Plugin:
    """A plugin distribution: manifest with a JIT op and two AOT ops (4 PTX files each)."""
    distribution = f"bench-plugin-{index:04d}"
    package = distribution.replace("-", "_")
    namespace = f"bench_{index:04d}"
    files: dict[str, str | bytes] = {f"{package}/__init__.py": ""}
    ops_manifest: list[dict[str, Any]] = [{
        "id": f"{namespace}::scaled_add", "kind": "jit", "module": f"{package}.qdp",
        "supports_dynamic_shapes": True,
    }]
    ops: list[tuple[str, str, str, str | None, str | None, str | None]] = [(namespace, "scaled_add", "jit", None, None, None)]
    for op_name in ("relu_aot", "scale_nvrtc"):
        kernel = f"{op_name}_kernel"
        ptx = []
        chosen = None
        for arch in ARCHS:
            relative = f"ptx/{op_name}.{arch}.ptx"
            data = _ptx_text(kernel, arch, index).encode("ascii")
            digest = hashlib.sha256(data).hexdigest()
            files[f"{package}/{relative}"] = data
            ptx.append({"arch": arch, "path": relative, "kernel": kernel, "sha256": digest, "isa": "8.7"})
            if arch == "sm_90":
                chosen = (relative, digest)
        assert chosen is not None
        ops_manifest.append({
            "id": f"{namespace}::{op_name}", "kind": "aot", "module": f"{package}.qdp",
            "supports_dynamic_shapes": True,
            "build": {"compiler": "triton", "source": f"{package}.kernels:{kernel}",
                      "signature": {"x_ptr": "*fp32", "n": "i32", "y_ptr": "*fp32"},
                      "constexprs": {"BLOCK_SIZE": 1024}, "num_warps": 4, "archs": list(ARCHS)},
            "launch": {"block_threads": 128, "elements_per_block": 1024, "extras": ["numel"]},
            "ptx": ptx,
        })
        ops.append((namespace, op_name, "aot", kernel, chosen[0], chosen[1]))
    manifest = {
        "schema_version": 1,
        "name": distribution,
        "description": f"Benchmark plugin {index}: a Triton JIT op, a Triton AOT op and an NVRTC AOT op.",
        "requires": {"tensorrt": ">=10.9", "torch": ">=2.6", "torch_tensorrt": ">=2.8", "python": ">=3.10",
                     "cuda_driver": ">=570", "compute_capability": {"min": "8.0", "max": "12.0"}},
        "ops": ops_manifest,
    }
    files[f"{package}/trt_plugin.json"] = json.dumps(manifest, indent=2)
    files[f"{package}/qdp.py"] = qdp_module(
        [f"{namespace}::{name}" for name in ("scaled_add", "relu_aot", "scale_nvrtc")],
        aot=[f"{namespace}::relu_aot", f"{namespace}::scale_nvrtc"],
    )
    # A plugin's METADATA carries its README (about 4 KB here), as published wheels do.
    _write_dist(site, distribution, "1.0.0", files, {GROUP: {package: package}},
                requires=("trt-plugin-hub", "torch>=2.6"), readme_paragraphs=5)
    return Plugin(distribution, package, f"{package}.qdp", tuple(ops))


def _closure(names: Iterable[str]) -> list[Any]:
    """The installed distributions ``names`` need, themselves included (extras left out)."""
    from importlib import metadata

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    seen: dict[str, Any] = {}
    todo = list(names)
    while todo:
        name = todo.pop()
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        key = canonicalize_name(dist.metadata["Name"])
        if key in seen:
            continue
        seen[key] = dist
        for text in dist.requires or ():
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    return list(seen.values())


def build_support(root: Path) -> Path:
    """Symlinks to torch, packaging and their dependencies, and to the real upstream layers."""
    support = root / "support"
    support.mkdir(parents=True)
    # numpy, torch_tensorrt's pure dependencies, tensorrt and torch_tensorrt; not the cell's
    # sitecustomize (-S children never run it; they import _hub_test_cpu themselves).
    for directory in upstream.cell_paths(UPSTREAM_CELL):
        for entry in sorted(directory.iterdir()):
            skip = entry.name in ("sitecustomize.py", "upstream.json", "__pycache__") or entry.name.startswith(".")
            if not skip:
                (support / entry.name).symlink_to(entry)
    for dist in _closure(SUPPORT_DISTRIBUTIONS):
        base = Path(dist.locate_file(""))
        tops = {Path(str(f)).parts[0] for f in dist.files or ()}
        for top in sorted(tops - {"..", "__pycache__"}):
            source = base / top
            if source.exists() and not (support / top).exists() and not (support / top).is_symlink():
                (support / top).symlink_to(source)
    return support


#: The top-level module the hub's torch.backends entry point names.
HOOK_MODULE = "_trt_plugin_hub_autoload"


def _is_hub_module(name: str) -> bool:
    """A module of the hub: the package's, or the hook's."""
    return name.split(".")[0] in ("trt_plugin_hub", HOOK_MODULE)


def build_hub(root: Path) -> Path:
    """The hub as a wheel would install it, with its ``torch.backends`` entry point."""
    hub = root / "hub"
    hub.mkdir(parents=True)
    shutil.copytree(REPO / "trt_plugin_hub", hub / "trt_plugin_hub",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy2(REPO / f"{HOOK_MODULE}.py", hub / f"{HOOK_MODULE}.py")
    version = _hub_version()
    files = {str(p.relative_to(hub)): "" for p in (hub / "trt_plugin_hub").rglob("*") if p.is_file()}
    files[f"{HOOK_MODULE}.py"] = ""
    info = hub / f"trt_plugin_hub-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(_metadata("trt-plugin-hub", version, ("packaging>=22",)), encoding="utf-8")
    (info / "entry_points.txt").write_text(
        "[console_scripts]\ntrt-plugin-hub = trt_plugin_hub.cli:main\n\n"
        f"[torch.backends]\ntrt_plugin_hub = {HOOK_MODULE}:hook\n", encoding="utf-8")
    (info / "INSTALLER").write_text("pip\n", encoding="utf-8")
    (info / "top_level.txt").write_text(f"{HOOK_MODULE}\ntrt_plugin_hub\n", encoding="utf-8")
    (info / "RECORD").write_text("".join(f"{f},,\n" for f in sorted(files)), encoding="utf-8")
    return hub


def _hub_version() -> str:
    text = (REPO / "trt_plugin_hub" / "_version.py").read_text(encoding="utf-8")
    match = re.search(r"__version__\s*=\s*[\"']([^\"']+)[\"']", text)
    if match is None:
        raise RuntimeError("trt_plugin_hub/_version.py has no __version__")
    return match.group(1)


def _link_all(source: Path, target: Path) -> None:
    for entry in source.iterdir():
        (target / entry.name).symlink_to(entry)


def _install_hub(hub: Path, target: Path) -> None:
    """The hub's files copied into ``target``, as pip installs them: files, not links to one copy.

    A link costs every file the hub opens the link's resolution, which an installed hub does not
    pay, nor the floor of (f), a file written beside the hook's module.
    """
    for entry in hub.iterdir():
        if entry.is_dir():
            shutil.copytree(entry, target / entry.name)
        else:
            shutil.copy2(entry, target / entry.name)


def build_site(root: Path, n: int, support: Path, hub: Path | None) -> Site:
    """N distributions (1% plugins, at least one) plus the support set, in one directory."""
    path = root / (f"site-{n}" if hub is not None else f"site-{n}-nohub")
    path.mkdir(parents=True)
    plugin_count = max(1, n // 100)
    # Spread the plugins through the listing, as real names would be.
    plugin_at = {round(k * n / plugin_count) for k in range(plugin_count)}
    plugins: list[Plugin] = []
    for index in range(n):
        if index in plugin_at:
            plugins.append(_plugin(path, len(plugins)))
        else:
            _filler(path, index)
    _link_all(support, path)
    if hub is not None:
        _install_hub(hub, path)
    return Site(n, path, tuple(plugins))


def without_hub(root: Path, site: Site) -> Site:
    """The same environment with the hub uninstalled: links to everything but the hub."""
    path = root / f"site-{site.n}-nohub"
    path.mkdir()
    for entry in site.path.iterdir():
        if not entry.name.startswith(("trt_plugin_hub", HOOK_MODULE)):
            (path / entry.name).symlink_to(entry.resolve() if entry.is_symlink() else entry)
    return Site(site.n, path, site.plugins)


def settle(paths: Iterable[Path]) -> None:
    """Date directories an hour back: a freshly installed environment that has settled.

    The cache does not trust a sys.path directory changed in the last two seconds (see
    ``trt_plugin_hub._discovery.cache``); real environments are installed long before they are used.
    """
    past = time.time() - 3600
    for path in paths:
        os.utime(path, (past, past))


# ----------------------------------------------------------------------------------------------
# Children: each measurement is one fresh interpreter


_RAW = """
import json, sys, time
import importlib.metadata as metadata
t0 = time.perf_counter()
eps = metadata.entry_points(group="torch_tensorrt.plugins")
t1 = time.perf_counter()
print(json.dumps({"ms": (t1 - t0) * 1e3, "found": len(eps)}))
"""

# Every child that decides for the assumed GPU (``gpu``, read from its argument) replaces its
# ``ASSUME_GPU`` line with this: the real probe runs (and costs what it costs), then the assumed
# GPU replaces its answer.
_ASSUME_GPU = """from trt_plugin_hub import _gpu as gpu_probe
from trt_plugin_hub._record import replace as copy_record  # as the hub's own probe copies its answer
real_probe = gpu_probe.probe_gpu
def probe(notes, visible):
    return copy_record(real_probe(notes, visible), cc=tuple(gpu["cc"]), driver=gpu["driver"],
                       cuda=tuple(gpu["cuda"]), name=gpu["name"])
gpu_probe.probe_gpu = probe"""

# The hub's public path: trt_plugin_hub.report() = discovery (+ cache) + environment probe +
# decisions. Modules are imported first and timed separately; entry-point scans are counted to
# prove a warm cache really skipped the scan.
_HUB = """
import dataclasses, json, sys, time
import importlib.metadata as metadata
t0 = time.perf_counter()
import trt_plugin_hub, trt_plugin_hub._pipeline, trt_plugin_hub._discovery, trt_plugin_hub._decisions
import trt_plugin_hub._environment.probe, trt_plugin_hub._environment.target, trt_plugin_hub._report
t1 = time.perf_counter()
from trt_plugin_hub._discovery import scan
gpu = json.loads(sys.argv[1])
ASSUME_GPU
scans = []
real_distributions = scan._metadata.distributions  # the scan reads the distributions one by one
def counting(*args, **kwargs):
    scans.append(1)
    return real_distributions(*args, **kwargs)
scan._metadata.distributions = counting
import trt_plugin_hub._ptx.artifact as artifact
reads = []  # PTX files the decisions read: none when the cache remembers them unchanged
real_check = artifact.artifact_problems
def counting_reads(*args, **kwargs):
    reads.append(1)
    return real_check(*args, **kwargs)
artifact.artifact_problems = counting_reads
t2 = time.perf_counter()
report = trt_plugin_hub.report()
t3 = time.perf_counter()
statuses = sorted({p.status for p in report.plugins})
print(json.dumps({"ms": (t3 - t2) * 1e3, "import_ms": (t1 - t0) * 1e3, "scans": len(scans), "ptx_reads": len(reads),
                  "discovery_ms": report.discovery_ms, "decision_ms": report.decision_ms,
                  "plugins": len(report.plugins), "statuses": statuses,
                  "ops_available": sum(op.status == "available" for p in report.plugins for op in p.ops)}))
"""

# The warm path at ``import torch_tensorrt``: the settings and the activation plan's checks (the
# plan written by an earlier load() in the same environment), with torch, tensorrt and
# torch_tensorrt imported and the hub's modules imported first (their cost is (g)).
_PLAN = """
import dataclasses, json, sys, time
import torch
if not torch.cuda.is_available():
    import _hub_test_cpu  # the upstream harness's torch.cuda patches: torch_tensorrt imports without a GPU
import tensorrt, torch_tensorrt
import trt_plugin_hub._warm as warm
import trt_plugin_hub._activation  # what the plan's records are rebuilt with: imported here, timed in (g)
from trt_plugin_hub import _settings
gpu = json.loads(sys.argv[1])
ASSUME_GPU
t0 = time.perf_counter()
plan = warm.load_plan(_settings.read_settings())
t1 = time.perf_counter()
print(json.dumps({"ms": (t1 - t0) * 1e3, "planned": plan is not None,
                  "ops": 0 if plan is None else sum(op is not None for p in plan.plugins for op in p.ops)}))
"""

_IMPORT_TORCH = """
import json, sys, time
t0 = time.perf_counter()
import torch
t1 = time.perf_counter()
print(json.dumps({"ms": (t1 - t0) * 1e3, "hook_ran": "_trt_plugin_hub_autoload" in sys.modules}))
"""

# What torch does for the hub's torch.backends entry point, timed on its own: load + call. With a
# module name as argument, the same for that module's ``hook`` instead: the floor (see measure_hook).
_HOOK = """
import json, sys, time
import torch  # with TORCH_DEVICE_BACKEND_AUTOLOAD=0: the hub is not loaded yet
from importlib import metadata
(ep,) = [e for e in metadata.entry_points(group="torch.backends") if e.name == "trt_plugin_hub"]
assert "trt_plugin_hub" not in sys.modules and "_trt_plugin_hub_autoload" not in sys.modules
floor = json.loads(sys.argv[1]) if len(sys.argv) > 1 else None
if floor is not None:  # the floor: the same load + call of an entry point to an empty module's empty hook
    ep = metadata.EntryPoint(name="floor", value=f"{floor}:hook", group="torch.backends")
before = set(sys.modules)
t0 = time.perf_counter()
ep.load()()
t1 = time.perf_counter()
print(json.dumps({"ms": (t1 - t0) * 1e3, "modules": sorted(set(sys.modules) - before)}))
"""

# The same under ``-X importtime``: what the hook's imports cost by Python's own accounting. An
# import statement, not EntryPoint.load(): importlib.import_module bypasses -X importtime.
_HOOK_IMPORTTIME = """
import torch
import _trt_plugin_hub_autoload as hook
hook.hook()
"""

# The autoload path under ``-X importtime``: ``import torch`` (the hook) then ``import torch_tensorrt``
# (the hook's load()), with a warm cache; the hub's own modules are summed from the report.
_AUTOLOAD_IMPORTTIME = """
import json, sys
import torch
if not torch.cuda.is_available():
    import _hub_test_cpu  # the upstream harness's torch.cuda patches: torch_tensorrt imports without a GPU
import torch_tensorrt
from trt_plugin_hub._activation import registered_ops  # imported already: the report is not built
print(json.dumps({"active": len(registered_ops())}))
"""

# --split: what the hub's modules cost, taken out of the clock. The modules are imported, then
# every imported module's file is resolved as torch.library's register_fake does on a plugin's
# import (inspect, through getframeinfo): that resolution costs each new module once, whoever
# asks first. Both arms are prepared alike.
_PREPARE = """prepare = json.loads(sys.argv[1]).get("prepare")
if prepare is not None:
    import importlib, inspect
    for name in prepare:
        importlib.import_module(name)
    inspect.getframeinfo(sys._getframe())
COUNTING
"""

# --instructions: the child runs under callgrind with instrumentation off, and switches it on for
# exactly the timed regions (COUNT_ON / COUNT_OFF), through valgrind's client request: on x86-64,
# the "special instruction preamble" (rol rdi by 3, 13, 61, 51: a no-op outside valgrind) then
# xchg rbx,rbx, with rax pointing at the request and its five arguments. The stub is written to
# an executable page and called through ctypes. Callgrind's requests: 'C','T' << 16, then +4
# START_INSTRUMENTATION, +5 STOP_INSTRUMENTATION.
_COUNTING = """import ctypes, mmap
_page = mmap.mmap(-1, mmap.PAGESIZE, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
_page.write(bytes.fromhex(
    "4889f8"  # mov rax, rdi      (the request block)
    "4889f2"  # mov rdx, rsi      (the default answer)
    "48c1c703" "48c1c70d" "48c1c73d" "48c1c733"  # rol rdi: 3, 13, 61, 51 (= 128: rdi unchanged)
    "4887db"  # xchg rbx, rbx     (the request itself)
    "4889d0"  # mov rax, rdx
    "c3"))    # ret
_request = ctypes.CFUNCTYPE(ctypes.c_ulong, ctypes.c_void_p, ctypes.c_ulong)(
    ctypes.addressof(ctypes.c_char.from_buffer(_page)))
def _callgrind(code):
    block = (ctypes.c_ulong * 6)(0x43540000 + code, 0, 0, 0, 0, 0)
    _request(ctypes.addressof(block), 0)
"""

_LOAD = """
import dataclasses, json, sys, time
import torch
if not torch.cuda.is_available():
    import _hub_test_cpu  # the upstream harness's torch.cuda patches: torch_tensorrt imports without a GPU
import tensorrt, torch_tensorrt
PREPARE
COUNT_ON
t0 = time.perf_counter()
import trt_plugin_hub, trt_plugin_hub.aot, trt_plugin_hub._pipeline  # what load() imports besides counts in its time
import trt_plugin_hub._gpu  # the GPU check of a warm activation imports it: patched below, unclocked
t1 = time.perf_counter()
COUNT_OFF
gpu = json.loads(sys.argv[1])["gpu"]
automatic = json.loads(sys.argv[1]).get("automatic", False)
ASSUME_GPU
pipeline = trt_plugin_hub._pipeline
COUNT_ON
t2 = time.perf_counter()
if automatic:
    pipeline.load_on_import()  # what the hook runs at import torch_tensorrt: no report is built
else:
    trt_plugin_hub.load()
t3 = time.perf_counter()
COUNT_OFF
modules = sorted(name for name in sys.modules if name.startswith("trt_plugin_hub"))  # before the report is asked for
report = pipeline.loaded_report()  # after the clock: load() built it already, the automatic path on request
active = sum(op.status == "active" for p in report.plugins for op in p.ops)
print(json.dumps({"ms": (t3 - t2) * 1e3, "import_ms": (t1 - t0) * 1e3, "active": active, "modules": modules,
                  "failed": [r.message for p in report.plugins for r in p.reasons][:3]}))
"""

_HUB, _PLAN, _LOAD = (code.replace("ASSUME_GPU", _ASSUME_GPU) for code in (_HUB, _PLAN, _LOAD))
_LOAD = _LOAD.replace("PREPARE", _PREPARE)

_MANUAL = """
import importlib, json, sys, time
from pathlib import Path
import torch
if not torch.cuda.is_available():
    import _hub_test_cpu  # the upstream harness's torch.cuda patches: torch_tensorrt imports without a GPU
import tensorrt, torch_tensorrt
PREPARE
COUNT_ON
t0 = time.perf_counter()
import trt_plugin_hub.aot  # the plugins' own modules import it for their aot_impl
from trt_plugin_hub._launch import LaunchSpec, PackagedKernel, bind
from torch_tensorrt.dynamo.conversion.plugins._generate_plugin_converter import _generate_plugin_converter
from torch_tensorrt.dynamo.conversion._ConverterRegistry import ConverterPriority, DYNAMO_CONVERTERS
t1 = time.perf_counter()
plan = json.loads(sys.argv[1])["plan"]
for module, package_dir, ops in plan:
    importlib.import_module(module)
    for namespace, name, kind, kernel, ptx, sha256 in ops:
        if kind == "aot":
            data = Path(package_dir, ptx).read_bytes()
            bind(PackagedKernel(f"{namespace}::{name}", kernel, data, "sm_90", ptx, sha256,
                                LaunchSpec(block_threads=128, elements_per_block=1024, extras=("numel",))))
        _generate_plugin_converter(namespace, name, overload=None, capability_validator=None,
                                   priority=ConverterPriority.STANDARD, supports_dynamic_shapes=True,
                                   requires_output_allocator=False, use_aot_if_available=kind == "aot")
t2 = time.perf_counter()
COUNT_OFF
active = sum(getattr(getattr(getattr(torch.ops, ns), name), "default") in DYNAMO_CONVERTERS
             for _, _, ops in plan for ns, name, *_ in ops)
print(json.dumps({"ms": (t2 - t1) * 1e3, "import_ms": (t1 - t0) * 1e3, "active": active}))
"""
_MANUAL = _MANUAL.replace("PREPARE", _PREPARE)


def _counted(code: str, counting: bool) -> str:
    """``code`` with the --instructions switches in place (``counting``), or without them."""
    return (code.replace("COUNTING", _COUNTING if counting else "")
            .replace("COUNT_ON", "_callgrind(4)" if counting else "")
            .replace("COUNT_OFF", "_callgrind(5)" if counting else ""))


_LOAD_COUNTED, _MANUAL_COUNTED = _counted(_LOAD, True), _counted(_MANUAL, True)
_LOAD, _MANUAL = _counted(_LOAD, False), _counted(_MANUAL, False)


@dataclass
class Runner:
    """Runs children with a clean environment from an empty, settled working directory."""

    cwd: Path
    timeout: float = 300.0
    calls: int = 0

    def run(self, code: str, site: Path, *, env: Mapping[str, str] | None = None, arg: Any = None) -> dict[str, Any]:
        return json.loads(self._run(code, site, env, arg, []).stdout.strip().splitlines()[-1])

    def instructions(self, code: str, site: Path, *, env: Mapping[str, str] | None = None,
                     arg: Any = None) -> tuple[int, dict[str, Any]]:
        """Run ``code`` (a ``_counted`` child) under callgrind: the instructions it counted, and its JSON line."""
        argv = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={os.devnull}",
                sys.executable]
        proc = self._run(code, site, {"PYTHONHASHSEED": "0", **(env or {})}, arg, [], argv=argv)
        found = re.findall(r"^==\d+== Collected : (\d+)$", proc.stderr, re.MULTILINE)
        if not found:
            raise RuntimeError(f"callgrind reported no count:\n{proc.stderr[-2000:]}")
        return int(found[-1]), json.loads(proc.stdout.strip().splitlines()[-1])

    def importtime(self, code: str, site: Path, *, env: Mapping[str, str] | None = None) -> dict[str, int]:
        """``-X importtime``: each module's own import time (microseconds) by name."""
        stderr = self._run(code, site, env, None, ["-X", "importtime"]).stderr
        found: dict[str, int] = {}
        for line in stderr.splitlines():
            match = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)", line)
            if match:
                found[match.group(2)] = found.get(match.group(2), 0) + int(match.group(1))
        return found

    def _run(self, code: str, site: Path, env: Mapping[str, str] | None, arg: Any,
             options: list[str], argv: list[str] | None = None) -> subprocess.CompletedProcess[str]:
        clean = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUB)}
        clean["PYTHONPATH"] = str(site)
        clean.update(env or {})
        argv = [*(argv or [sys.executable]), "-S", *options, "-c", code]
        if arg is not None:
            argv.append(json.dumps(arg))
        self.calls += 1
        proc = subprocess.run(argv, cwd=self.cwd, env=clean, capture_output=True, text=True, timeout=self.timeout,
                              check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"benchmark child failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
        return proc


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


# ----------------------------------------------------------------------------------------------
# Measurements


@dataclass
class DiscoveryRow:
    n: int
    plugins: int
    raw: list[float] = field(default_factory=list)
    uncached: list[float] = field(default_factory=list)
    cached: list[float] = field(default_factory=list)
    #: The discovery part of (b) and (c): entry points (or the cache) and manifests, no decisions.
    uncached_discovery: list[float] = field(default_factory=list)
    cached_discovery: list[float] = field(default_factory=list)
    #: The environment probe + decisions part of (c).
    cached_decisions: list[float] = field(default_factory=list)
    #: PTX files read by the decisions of (c) (0: all served from the cache's memo of checked files).
    cached_ptx_reads: list[int] = field(default_factory=list)
    hub_import: list[float] = field(default_factory=list)
    #: The warm path at ``import torch_tensorrt``: settings + the activation plan's checks, each
    #: with the raw scan of the same round beside it.
    planned: list[float] = field(default_factory=list)
    planned_raw: list[float] = field(default_factory=list)


def measure_plan(runner: Runner, site: Site, cache: Path, repeats: int, row: DiscoveryRow) -> None:
    """The warm path with a plan: one load() leaves the plan, then (a) and the plan's checks side by side."""
    row_ops = 3 * len(site.plugins)
    env = {"TRT_PLUGIN_HUB_CACHE_DIR": str(cache), "TRT_PLUGIN_HUB_AUTOLOAD": "0"}
    runner.run(_LOAD, site.path, env=env, arg={"gpu": ASSUMED_GPU, "plan": []})  # decides, activates, leaves the plan
    for index in range(repeats):
        pair = [("raw", _RAW, None, None), ("planned", _PLAN, env, ASSUMED_GPU)]
        for name, code, variables, argument in pair[index % 2:] + pair[:index % 2]:
            out = runner.run(code, site.path, env=variables, arg=argument)
            if name == "planned" and (not out["planned"] or out["ops"] != row_ops):
                raise RuntimeError(f"N={site.n}: the activation plan was not used ({out})")
            getattr(row, name if name == "planned" else "planned_raw").append(out["ms"])


def measure_discovery(runner: Runner, site: Site, cache: Path, repeats: int) -> DiscoveryRow:
    """(a), (b) and (c) for one environment, interleaved so drift hits all three alike."""
    row = DiscoveryRow(site.n, len(site.plugins))
    no_cache = {"TRT_PLUGIN_HUB_NO_CACHE": "1"}
    with_cache = {"TRT_PLUGIN_HUB_CACHE_DIR": str(cache)}
    # Warm-up: compiles bytecode, fills the OS page cache, writes the discovery cache.
    runner.run(_RAW, site.path)
    runner.run(_HUB, site.path, env=no_cache, arg=ASSUMED_GPU)
    first = runner.run(_HUB, site.path, env=with_cache, arg=ASSUMED_GPU)
    expected_ops = 3 * len(site.plugins)
    if first["plugins"] != len(site.plugins) or first["ops_available"] != expected_ops:
        raise RuntimeError(f"N={site.n}: the hub saw {first['plugins']} plugins / {first['ops_available']} "
                           f"available ops, expected {len(site.plugins)} / {expected_ops}: {first}")
    steps = [("raw", _RAW, None), ("uncached", _HUB, no_cache), ("cached", _HUB, with_cache)]
    for round_index in range(repeats):
        turn = round_index % len(steps)
        for name, code, env in steps[turn:] + steps[:turn]:
            result = runner.run(code, site.path, env=env, arg=None if code is _RAW else ASSUMED_GPU)
            if name == "cached" and result["scans"] != 0:
                raise RuntimeError(f"N={site.n}: the warm cache was not used (entry points scanned)")
            if name == "uncached" and result["scans"] != 1:
                raise RuntimeError(f"N={site.n}: uncached discovery scanned {result['scans']} times")
            getattr(row, name).append(result["ms"])
            if name != "raw":
                row.hub_import.append(result["import_ms"])
                getattr(row, f"{name}_discovery").append(result["discovery_ms"])
            if name == "cached":
                row.cached_decisions.append(result["decision_ms"])
                row.cached_ptx_reads.append(result["ptx_reads"])
    return row


@dataclass
class TorchResult:
    with_hub: list[float]
    without_hub: list[float]

    @property
    def delta_ms(self) -> float:
        # Paired rounds: the median of per-round differences cancels slow drift.
        return median([a - b for a, b in zip(self.with_hub, self.without_hub)])

    @property
    def noise_ms(self) -> float:
        # One run's spread, from both arms: each run's distance to its own arm's median.
        residuals = [v - median(arm) for arm in (self.with_hub, self.without_hub) for v in arm]
        return 1.4826 * median([abs(r) for r in residuals])


def measure_import_torch(runner: Runner, site: Site, bare: Site, pairs: int) -> TorchResult:
    """(d): ``import torch`` with the hub installed vs absent, interleaved; and the hook alone."""
    for _ in range(0 if pairs < 5 else 2):  # warm-up (page cache) for both arms; --quick skips it
        runner.run(_IMPORT_TORCH, site.path)
        runner.run(_IMPORT_TORCH, bare.path)
    with_hub: list[float] = []
    without: list[float] = []
    for index in range(pairs):
        order = [(site, with_hub, True), (bare, without, False)]
        if index % 2:
            order.reverse()
        for target, bucket, hub in order:
            result = runner.run(_IMPORT_TORCH, target.path)
            if result["hook_ran"] != hub:
                raise RuntimeError("the hub's torch.backends hook ran where it should not (or did not run)")
            bucket.append(result["ms"])
    return TorchResult(with_hub, without)


@dataclass
class HookResult:
    """The hook alone: its cost timed in-process, the modules it added, its imports by ``-X importtime``."""

    ms: list[float]
    modules: list[str]
    import_us: list[int]
    floor_ms: list[float]  # the same for an empty module's empty hook, beside it: what any hook costs


#: The floor's module, written beside the hub's hook module for the measurement and removed after.
_FLOOR_MODULE = "_hub_bench_empty_hook"


def measure_hook(runner: Runner, site: Site, runs: int) -> HookResult:
    """What torch does for the hub's entry point (load + call), in ``runs`` fresh interpreters each way.

    Alternating with it, the same for an entry point to an empty module in the same directory
    whose ``hook`` does nothing: the floor, what Python's import of any module costs there. The
    hub's hook can cost no less; the difference is what its own module adds. Writing and removing
    that module changes the directory's stamp, which the hub's caches are keyed on: the steps
    after this one start with an untimed run that makes them again (and (g) fails if its timed
    runs decide afresh).
    """
    env = {"TORCH_DEVICE_BACKEND_AUTOLOAD": "0"}
    floor_file = site.path / f"{_FLOOR_MODULE}.py"
    floor_file.write_text("def hook():\n    pass\n")
    ms: list[float] = []
    floor_ms: list[float] = []
    modules: set[str] = set()
    try:
        runner.run(_HOOK, site.path, env=env, arg=_FLOOR_MODULE)  # compiles the floor's bytecode, untimed
        for _ in range(runs):
            out = runner.run(_HOOK, site.path, env=env)
            ms.append(out["ms"])
            modules.update(out["modules"])
            floor_ms.append(runner.run(_HOOK, site.path, env=env, arg=_FLOOR_MODULE)["ms"])
    finally:
        floor_file.unlink()
        for cached in (site.path / "__pycache__").glob(f"{_FLOOR_MODULE}.*"):
            cached.unlink()
    import_us = []
    for _ in range(runs):
        found = runner.importtime(_HOOK_IMPORTTIME, site.path, env=env)
        import_us.append(sum(v for k, v in found.items() if _is_hub_module(k)))
    return HookResult(ms, sorted(modules), import_us, floor_ms)


@dataclass
class AutoloadImports:
    """The hub's own modules imported on the autoload path (``import torch_tensorrt``, warm cache)."""

    total_us: list[int]
    modules: dict[str, int]  # each module's smallest own time over the runs


def measure_autoload_imports(runner: Runner, site: Site, cache: Path, runs: int) -> AutoloadImports:
    env = {"TRT_PLUGIN_HUB_CACHE_DIR": str(cache), "TRT_PLUGIN_HUB_TARGET": "sm_90, driver=580"}
    runner.run(_AUTOLOAD_IMPORTTIME, site.path, env=env)  # decides and leaves the plan for these settings
    totals: list[int] = []
    best: dict[str, int] = {}
    for _ in range(runs):
        found = {k: v for k, v in runner.importtime(_AUTOLOAD_IMPORTTIME, site.path, env=env).items()
                 if _is_hub_module(k)}
        if "trt_plugin_hub._decisions" in found:
            raise RuntimeError("the autoload path decided: the activation plan was not used")
        totals.append(sum(found.values()))
        for name, us in found.items():
            best[name] = min(us, best.get(name, us))
    return AutoloadImports(totals, dict(sorted(best.items(), key=lambda item: -item[1])))


@dataclass
class LoadResult:
    hub: list[float]
    hub_import: list[float]
    hub_uncached: list[float]
    manual: list[float]
    manual_import: list[float]
    ops: int
    #: The automatic path (what the hook runs at ``import torch_tensorrt``), warm: no report built.
    hub_auto: list[float] = field(default_factory=list)
    hub_auto_import: list[float] = field(default_factory=list)
    #: --split: load() and the hand-written activation with the hub's modules imported (and every
    #: module's file resolved) before the clock, import times included: what is left is the work.
    hub_prepared: list[float] = field(default_factory=list)
    manual_prepared: list[float] = field(default_factory=list)
    #: The hub's modules a warm load() leaves imported (what the prepared arm imports first).
    modules: list[str] = field(default_factory=list)


def _activation_arms(site: Site, cache: Path) -> tuple[int, dict[str, str], dict[str, str], dict[str, Any]]:
    """What every activation child of (e) and (i) is given: the ops to expect, the environments, the argument.

    ``base`` (no autoload: activation only where timed) is the hand-written side's environment,
    ``cached`` the hub's with this environment's cache directory; the argument holds the GPU to
    assume and, per plugin, its module, package directory and ops (what the hand-written side binds).
    """
    plan = [[p.module, str(site.path / p.package), [list(op) for op in p.ops]] for p in site.plugins]
    base = {"TRT_PLUGIN_HUB_AUTOLOAD": "0"}
    return (sum(len(p.ops) for p in site.plugins), base, {**base, "TRT_PLUGIN_HUB_CACHE_DIR": str(cache)},
            {"gpu": ASSUMED_GPU, "plan": plan})


def measure_activation(runner: Runner, site: Site, cache: Path, repeats: int, *, split: bool = False) -> LoadResult:
    """(e): ``trt_plugin_hub.load()`` vs the hand-written imports and converter calls.

    With ``split``, two more arms a round: both activations again with the hub's modules (those a
    warm ``load()`` imports) imported before the clock, so the ratio of those two is the hub's work
    alone and the difference to the plain ``load()`` is what its modules cost.
    """
    ops, base, cached_env, arg = _activation_arms(site, cache)
    uncached_env = {**base, "TRT_PLUGIN_HUB_NO_CACHE": "1"}
    first = runner.run(_LOAD, site.path, env=cached_env, arg=arg)
    if first["active"] != ops:
        raise RuntimeError(f"load() activated {first['active']} of {ops} ops: {first['failed']}")
    manual_first = runner.run(_MANUAL, site.path, env=base, arg=arg)
    if manual_first["active"] != ops:
        raise RuntimeError(f"the hand-written activation registered {manual_first['active']} of {ops} ops")
    result = LoadResult([], [], [], [], [], ops)
    if split:  # what a warm load() imports: the first run wrote the plan
        result.modules = runner.run(_LOAD, site.path, env=cached_env, arg=arg)["modules"]
    automatic = {**arg, "automatic": True}
    for index in range(repeats):
        steps = [("hub", _LOAD, cached_env, arg), ("manual", _MANUAL, base, arg),
                 ("hub_uncached", _LOAD, uncached_env, arg), ("hub_auto", _LOAD, cached_env, automatic)]
        if split:
            steps += [("hub_prepared", _LOAD, cached_env, {**arg, "prepare": result.modules}),
                      ("manual_prepared", _MANUAL, base, {**arg, "prepare": []})]
        turn = index % len(steps)
        for name, code, env, argument in steps[turn:] + steps[:turn]:
            out = runner.run(code, site.path, env=env, arg=argument)
            if out["active"] != ops:
                raise RuntimeError(f"{name}: {out['active']} of {ops} ops active")
            if name.endswith("_prepared"):
                getattr(result, name).append(out["ms"] + out["import_ms"])
                continue
            getattr(result, name).append(out["ms"])
            if name in ("hub", "manual", "hub_auto"):
                getattr(result, f"{name}_import").append(out["import_ms"])
    return result


def instructions_available() -> str | None:
    """Why --instructions cannot run here, or ``None``: it needs valgrind, and the x86-64 client request."""
    if platform.machine() not in ("x86_64", "AMD64"):
        return f"the client request the children use is written for x86-64, not {platform.machine()}"
    if shutil.which("valgrind") is None:
        return "valgrind is not installed"
    return None


@dataclass
class InstructionResult:
    """(i): instructions each activation executed in its timed regions, one callgrind run each (deterministic)."""

    counts: dict[str, int]
    valgrind: str

    def ratio(self, arm: str, base: str = "manual") -> float:
        return self.counts[arm] / self.counts[base]

    def split(self, arm: str) -> dict[str, float]:
        """The hub's extra instructions over the hand-written activation: its modules, and its work.

        The prepared arms import the modules before the region (and resolve every module's file as
        torch.library does): their difference is the work; the rest of the difference is the modules.
        """
        extra = self.counts[arm] - self.counts["manual"]
        work = self.counts[f"{arm}_prepared"] - self.counts["manual_prepared"]
        return {"extra": extra, "modules": extra - work, "work": work,
                "modules_share": round((extra - work) / extra, 3) if extra else 0.0}


def measure_instructions(runner: Runner, site: Site, cache: Path) -> InstructionResult:
    """(i): load(), the automatic activation and the hand-written one, each counted once under callgrind.

    Instruction counts do not depend on what else the host runs, so one run of each side gives a
    ratio without noise (the interval of the timed medians is 0.1-0.3 wide on a shared host). They
    are not time: a cache miss costs more than an instruction, and system calls count only their
    Python side. The prepared arms split the hub's extra count into its modules and its work.
    """
    ops, base, cached_env, arg = _activation_arms(site, cache)
    automatic = {**arg, "automatic": True}
    # The hub's modules each warm activation leaves imported, before a report is asked for.
    modules = {"load": runner.run(_LOAD, site.path, env=cached_env, arg=arg)["modules"],
               "automatic": runner.run(_LOAD, site.path, env=cached_env, arg=automatic)["modules"]}
    arms = {"manual": (_MANUAL_COUNTED, base, arg), "load": (_LOAD_COUNTED, cached_env, arg),
            "automatic": (_LOAD_COUNTED, cached_env, automatic),
            "manual_prepared": (_MANUAL_COUNTED, base, {**arg, "prepare": []}),
            "load_prepared": (_LOAD_COUNTED, cached_env, {**arg, "prepare": modules["load"]}),
            "automatic_prepared": (_LOAD_COUNTED, cached_env, {**automatic, "prepare": modules["automatic"]})}
    counts: dict[str, int] = {}
    for name, (code, env, argument) in arms.items():
        counts[name], out = runner.instructions(code, site.path, env=env, arg=argument)
        if out["active"] != ops:
            raise RuntimeError(f"{name} under callgrind: {out['active']} of {ops} ops active")
        _progress(f"instructions: {name} {counts[name] / 1e6:.1f} M")
    version = subprocess.run(["valgrind", "--version"], capture_output=True, text=True, check=False).stdout.strip()
    return InstructionResult(counts, version)


# ----------------------------------------------------------------------------------------------
# Report


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{os.cpu_count()}-core {platform.machine()} ({cpu}), {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}")


def _growth(rows: Sequence[DiscoveryRow], attribute: str) -> float | None:
    """Cost per distribution at the largest N over the same at N=1000 (1.0 = linear)."""
    by_n = {r.n: median(getattr(r, attribute)) for r in rows}
    largest = max(by_n)
    if largest <= 1000 or 1000 not in by_n:
        return None
    return (by_n[largest] / largest) / (by_n[1000] / 1000)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="N up to 1000 and fewer repetitions (under a minute)")
    parser.add_argument("--sizes", help="comma-separated N values (default 10,100,1000,5000; quick: 10,100,1000)")
    parser.add_argument("--repeats", type=int, help="runs per measurement (default 11; quick: 3)")
    parser.add_argument("--workdir", type=Path,
                        help="where to build the environments, created if missing (default: a temporary dir)")
    parser.add_argument("--keep", action="store_true", help="keep the built environments")
    parser.add_argument("--split", action="store_true",
                        help="also time (e) with the hub's modules imported before the clock: splits load()'s cost "
                             "into its modules and its work")
    parser.add_argument("--instructions", choices=("auto", "on", "off"), default="auto",
                        help="(i): count the instructions of each activation under callgrind (valgrind, x86-64): "
                             "a ratio without noise; auto = on in the full run where valgrind is installed")
    parser.add_argument("--discovery-only", action="store_true",
                        help="measure (a)-(c) only (for profiling; the summary then lacks (d) and (e))")
    args = parser.parse_args(argv)

    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else ([10, 100, 1000] if args.quick else [10, 100, 1000, 5000])
    repeats = args.repeats or (3 if args.quick else 11)
    torch_pairs = 2 if args.quick else 15
    load_repeats = 3 if args.quick else 25
    hook_runs = 9 if args.quick else 41
    importtime_runs = 3 if args.quick else 7
    reference_n = 1000 if 1000 in sizes else max(sizes)
    # (d) and (e) need a real PyTorch in the interpreter running the benchmark.
    with_torch = not args.discovery_only and importlib.util.find_spec("torch") is not None

    started = time.perf_counter()
    load_before = _load_average()
    load_before_values = _load_values()
    _progress("building environments")
    if args.workdir:
        Path(args.workdir).mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="trt-plugin-hub-bench-", dir=args.workdir))
    torch_result: TorchResult | None = None
    load: LoadResult | None = None
    hook: HookResult | None = None
    autoload_imports: AutoloadImports | None = None
    instructions: InstructionResult | None = None
    without_instructions = instructions_available()
    count_instructions = with_torch and (args.instructions == "on" or (
        args.instructions == "auto" and not args.quick and without_instructions is None))
    if count_instructions and without_instructions is not None:
        parser.error(f"--instructions on: {without_instructions}")
    try:
        support = build_support(root)
        hub = build_hub(root)
        sites = {n: build_site(root, n, support, hub) for n in sizes}
        bare = without_hub(root, sites[reference_n])
        cwd = root / "cwd"
        cwd.mkdir()
        settle([cwd, bare.path, *(s.path for s in sites.values())])
        # A PTX file is remembered as checked only once its ctime is 2 s old (trt_plugin_hub._ptx.memo):
        # an environment installed a moment ago would have its first warm runs re-check every file.
        time.sleep(2.2)
        support_count = _support_count(support) + 1
        built = time.perf_counter() - started
        runner = Runner(cwd)
        _progress(f"built in {built:.1f} s")
        rows = []
        for n in sizes:
            rows.append(measure_discovery(runner, sites[n], root / f"cache-{n}", repeats))
            if with_torch:
                measure_plan(runner, sites[n], root / f"cache-{n}", repeats, rows[-1])
            _progress(f"discovery N={n} done")
        if with_torch:
            torch_result = measure_import_torch(runner, sites[reference_n], bare, torch_pairs)
            _progress("import torch done")
            load = measure_activation(runner, sites[reference_n], root / f"cache-{reference_n}", load_repeats,
                                      split=args.split)
            _progress("activation done")
            hook = measure_hook(runner, sites[reference_n], hook_runs)
            _progress("hook done")
            autoload_imports = measure_autoload_imports(runner, sites[reference_n], root / f"cache-{reference_n}",
                                                        importtime_runs)
            _progress("autoload imports done")
            if count_instructions:
                instructions = measure_instructions(runner, sites[reference_n], root / f"cache-{reference_n}")
                _progress("instructions done")
    except BaseException:
        _cleanup(root, args.keep)
        raise
    elapsed = time.perf_counter() - started

    print(f"trt-plugin-hub discovery benchmark on {machine()}")
    print(f"{len(sizes)} environment sizes, {repeats} runs each (medians), environments built in {built:.1f} s; "
          f"every N also holds {support_count} support distributions (the hub, torch and its dependencies, "
          f"numpy, packaging, the real TensorRT / Torch-TensorRT Python layers); load average {load_before} at "
          f"the start, {_load_average()} at the end")
    print()
    _print_discovery(rows)
    print()
    ref = next(r for r in rows if r.n == reference_n)
    growth = {name: _growth(rows, name) for name in ("raw", "uncached", "cached")}
    summary: dict[str, Any] = {
        "machine": machine(),
        "quick": args.quick,
        "repeats": repeats,
        "reference_n": reference_n,
        "ratio_uncached_vs_raw": round(median(ref.uncached) / median(ref.raw), 3),
        "ratio_cached_vs_raw": round(median(ref.cached) / median(ref.raw), 4),
        "ratio_cached_discovery_vs_raw": round(median(ref.cached_discovery) / median(ref.raw), 4),
        "cached_breakdown_ms": {"discovery_and_manifests": _med(ref.cached_discovery),
                                "probe_and_decisions": _med(ref.cached_decisions)},
        "import_torch_delta_ms": None,
        "import_torch_noise_ms": None,
        "import_torch_hook_ms": None,
        "ratio_load_vs_manual": None,
        "ratio_load_vs_manual_uncached": None,
        "ratio_load_vs_manual_with_imports": None,
        "hub_import_ms": _med(ref.hub_import),
        "growth_per_distribution_largest_vs_1000": {k: None if v is None else round(v, 3) for k, v in growth.items()},
        "per_n_ms": {str(r.n): {"raw": _med(r.raw), "uncached": _med(r.uncached), "cached": _med(r.cached),
                                "cached_discovery": _med(r.cached_discovery)} for r in rows},
    }
    targets: dict[str, bool] = {
        "uncached_le_1.3x_raw": summary["ratio_uncached_vs_raw"] <= 1.3,
        "cached_le_0.1x_raw": summary["ratio_cached_vs_raw"] <= 0.1,
        "cached_discovery_le_0.1x_raw": summary["ratio_cached_discovery_vs_raw"] <= 0.1,
        "growth_at_most_linear": all(g is None or g <= 1.25 for g in growth.values()),
    }
    small = next((r for r in rows if r.n == 100), None)
    # The warm path at import torch_tensorrt is the activation plan's check where it was measured
    # (torch importable), else the warm report() (discovery, manifests, probe, decisions).
    if ref.planned:
        warm_what = "the warm path at import torch_tensorrt (settings and the activation plan's checks)"
        warm, warm_raw = ref.planned, ref.planned_raw
    else:
        warm_what = "the warm report() (discovery, manifests, decisions, report)"
        warm, warm_raw = ref.cached, ref.raw
    issue_targets: dict[str, Any] = {
        "warm_vs_raw_at_1000": _target(
            f"{warm_what} over the raw entry-point scan, N={reference_n}",
            [c / r for c, r in zip(warm, warm_raw)], 0.1, ratio=True,
            absolute={"warm_ms": _stats(warm), "raw_ms": _stats(warm_raw),
                      "warm_report_ms": _stats(ref.cached), "warm_report_vs_raw": round(
                          median([c / r for c, r in zip(ref.cached, ref.raw)]), 4),
                      "ptx_files_read_warm_report": max(ref.cached_ptx_reads, default=None)}),
    }
    if small is not None:
        small_warm = small.planned or small.cached
        issue_targets["warm_ms_at_100"] = _target(
            f"{warm_what} at N=100 with one plugin, milliseconds", small_warm, 3.0,
            absolute={"ratio_vs_raw": round(median(small_warm) / median(small.planned_raw or small.raw), 4),
                      "warm_report_ms": _stats(small.cached)})
    if torch_result is not None and load is not None and hook is not None and autoload_imports is not None:
        hook_ms = min(hook.ms)
        print(f"(d) import torch (N={reference_n}): with the hub {median(torch_result.with_hub):.1f} ms, without "
              f"{median(torch_result.without_hub):.1f} ms; paired delta {torch_result.delta_ms:+.1f} ms, "
              f"run-to-run noise (robust sd) {torch_result.noise_ms:.1f} ms; the hub's hook itself "
              f"{hook_ms:.3f} ms (best of {len(hook.ms)}, median {median(hook.ms):.3f}), loading "
              f"{', '.join(hook.modules)}; its imports by -X importtime {min(hook.import_us) / 1000:.3f} ms")
        print(f"    the floor, an empty module's empty hook loaded the same way beside it: {min(hook.floor_ms):.3f} ms "
              f"(best of {len(hook.floor_ms)}, median {median(hook.floor_ms):.3f}); the hub's hook adds "
              f"{hook_ms - min(hook.floor_ms):+.3f} ms to it (best against best)")
        print(f"    the hub's own modules on the autoload path (import torch_tensorrt, warm cache), -X importtime: "
              f"{min(autoload_imports.total_us) / 1000:.1f} ms (best of {len(autoload_imports.total_us)}); largest: "
              + ", ".join(f"{k} {v / 1000:.2f}" for k, v in list(autoload_imports.modules.items())[:5]))
        hub_total = median(load.hub_import) + median(load.hub)
        manual_total = median(load.manual_import) + median(load.manual)
        plugins = len(sites[reference_n].plugins)
        print(f"(e) activating {load.ops} ops of {plugins} plugins (N={reference_n}): hub load() "
              f"{median(load.hub):.1f} ms (no cache {median(load.hub_uncached):.1f} ms), by hand "
              f"{median(load.manual):.1f} ms; counting module imports: hub {hub_total:.1f} ms (its modules "
              f"{median(load.hub_import):.1f} ms), by hand {manual_total:.1f} ms ({median(load.manual_import):.1f} ms)")
        hub_rounds = [i + h for i, h in zip(load.hub_import, load.hub)]
        manual_rounds = [i + h for i, h in zip(load.manual_import, load.manual)]
        auto_rounds = [i + h for i, h in zip(load.hub_auto_import, load.hub_auto)]
        print(f"    the automatic path (what the hook runs at import torch_tensorrt, warm: no report built): "
              f"{median(auto_rounds):.1f} ms counting the hub's imports, {median(auto_rounds) / manual_total:.3f}x "
              "the hand-written activation")
        if load.hub_prepared:
            work = [h / m for h, m in zip(load.hub_prepared, load.manual_prepared)]
            modules_ms = [h - p for h, p in zip(hub_rounds, load.hub_prepared)]
            print(f"    split: with the hub's {len(load.modules)} modules imported before the clock, load() "
                  f"{median(load.hub_prepared):.1f} ms against {median(load.manual_prepared):.1f} ms by hand (likewise "
                  f"prepared): {median(work):.3f}x, the hub's work; its modules cost {median(modules_ms):.1f} ms "
                  "(load() minus load() prepared, paired)")
            summary["activation_split"] = {
                "what": "load() and the hand-written activation with the hub's modules imported and every module's "
                        "file resolved before the clock: the ratio is the hub's work alone; module_cost_ms is load() "
                        "minus load() so prepared, round by round",
                "work_ratio": _stats(work), "hub_prepared_ms": _stats(load.hub_prepared),
                "manual_prepared_ms": _stats(load.manual_prepared), "module_cost_ms": _stats(modules_ms),
                "modules": load.modules}
        issue_targets.update({
            "hook_ms": _target("the torch.backends hook's own cost (load + call), milliseconds, in-process",
                               hook.ms, 0.2, best=True,
                               absolute={"modules_added": hook.modules,
                                         "floor_ms": _stats(hook.floor_ms),
                                         "over_floor_ms": round(hook_ms - min(hook.floor_ms), 4)}),
            "hook_imports_ms": _target("what the hook imports, by -X importtime, milliseconds",
                                       [us / 1000 for us in hook.import_us], 1.0, best=True),
            "hub_modules_on_autoload_path_ms": _target(
                "the hub's own modules imported at import torch_tensorrt (warm cache), by -X importtime, milliseconds",
                [us / 1000 for us in autoload_imports.total_us], 5.0, best=True,
                absolute={"largest_modules_ms": {k: round(v / 1000, 3)
                                                 for k, v in list(autoload_imports.modules.items())[:8]},
                          "modules": len(autoload_imports.modules)}),
            "load_vs_manual_with_imports": _target(
                "load() over the hand-written activation, each counting its own imports",
                [h / m for h, m in zip(hub_rounds, manual_rounds)], 1.1, ratio=True,
                absolute={"hub_ms": _stats(hub_rounds), "manual_ms": _stats(manual_rounds),
                          "hub_imports_ms": _stats(load.hub_import)}),
            "autoload_vs_manual_with_imports": _target(
                "the automatic activation at import torch_tensorrt (warm, no report) over the hand-written one, "
                "each counting its own imports",
                [a / m for a, m in zip(auto_rounds, manual_rounds)], 1.1, ratio=True,
                absolute={"hub_ms": _stats(auto_rounds), "manual_ms": _stats(manual_rounds)}),
        })
        if instructions is not None:
            load_split, auto_split = instructions.split("load"), instructions.split("automatic")
            print(f"(i) instructions in the timed regions, one callgrind run each ({instructions.valgrind}): hub "
                  f"load() {instructions.counts['load'] / 1e6:.1f} M, {instructions.ratio('load'):.3f}x the "
                  f"hand-written {instructions.counts['manual'] / 1e6:.1f} M; automatic "
                  f"{instructions.counts['automatic'] / 1e6:.1f} M, {instructions.ratio('automatic'):.3f}x")
            print(f"    of the hub's extra: load() modules {load_split['modules'] / 1e6:.1f} M, work "
                  f"{load_split['work'] / 1e6:.1f} M; automatic modules {auto_split['modules'] / 1e6:.1f} M, work "
                  f"{auto_split['work'] / 1e6:.1f} M")
            summary["instructions"] = {
                "valgrind": instructions.valgrind, "counts": instructions.counts,
                "load_vs_manual": round(instructions.ratio("load"), 4),
                "automatic_vs_manual": round(instructions.ratio("automatic"), 4),
                "load_extra": load_split, "automatic_extra": auto_split}
            issue_targets["load_vs_manual_with_imports"]["instructions_ratio"] = round(instructions.ratio("load"), 4)
            issue_targets["autoload_vs_manual_with_imports"]["instructions_ratio"] = round(
                instructions.ratio("automatic"), 4)
        else:
            why = ("--instructions off" if args.instructions == "off" else without_instructions
                   or "--quick: add --instructions on to count them")
            print(f"(i) instructions not counted ({why})")
        summary.update({
            "import_torch_delta_ms": round(torch_result.delta_ms, 2),
            "import_torch_noise_ms": round(torch_result.noise_ms, 2),
            "import_torch_hook_ms": round(hook_ms, 4),
            "ratio_load_vs_manual": round(median(load.hub) / median(load.manual), 3),
            "ratio_load_vs_manual_uncached": round(median(load.hub_uncached) / median(load.manual), 3),
            "ratio_load_vs_manual_with_imports": round(hub_total / manual_total, 3),
        })
        targets.update({
            "import_torch_delta_within_noise": abs(torch_result.delta_ms) <= max(torch_result.noise_ms, 1.0),
            "load_le_1.1x_manual": summary["ratio_load_vs_manual"] <= 1.1,
        })
    elif not args.discovery_only:
        print("(d) and (e) skipped: torch is not importable by this interpreter")
    targets.update({name: bool(t["met"]) for name, t in issue_targets.items()})
    print("targets: " + ", ".join(f"{k} {'met' if v else 'NOT met'}" for k, v in targets.items()))
    for name, t in issue_targets.items():
        interval = t.get("median_interval")
        verdict = "" if interval is None else (
            f"; the median is within {interval['low']}-{interval['high']} ({interval['coverage']:.0%}): {t['verdict']}")
        print(f"  {name}: {t['value']} (limit {t['limit']}; median {t['median']}, IQR {t['iqr']}, n={t['n']}{verdict})"
              f" {'met' if t['met'] else 'NOT met'}")
    print(f"({runner.calls} subprocesses, {elapsed:.1f} s)")
    summary["targets_met"] = targets
    summary["targets"] = issue_targets
    summary["host"] = {"cpus": os.cpu_count(), "load_average_start": load_before_values,
                       "load_average_end": _load_values(), "python": platform.python_version()}
    summary["command"] = " ".join(["python", "benchmarks/discovery.py", *(argv if argv is not None else sys.argv[1:])])
    summary["seconds"] = round(elapsed, 1)
    print(json.dumps(summary, separators=(",", ":")), flush=True)
    _cleanup(root, args.keep)  # after the results: removing thousands of files is not measured
    return 0


def _cleanup(root: Path, keep: bool) -> None:
    if keep:
        print(f"environments kept in {root}", file=sys.stderr)
    else:
        shutil.rmtree(root, ignore_errors=True)


def _med(values: Sequence[float]) -> float:
    return round(median(values), 3)


def _stats(values: Sequence[float]) -> dict[str, float | int]:
    """Minimum, median and interquartile range (the noise estimate) of repeated measurements."""
    ordered = sorted(values)
    if len(ordered) >= 2:
        low, _, high = statistics.quantiles(ordered, n=4, method="inclusive")
    else:
        low = high = ordered[0]
    return {"min": round(ordered[0], 4), "median": round(median(ordered), 4), "iqr": round(high - low, 4),
            "n": len(ordered)}


def _median_interval(values: Sequence[float], confidence: float = 0.95) -> dict[str, float]:
    """A distribution-free interval for the median: the order statistics that cover it with ``confidence``.

    The k-th smallest and k-th largest of n values enclose the median with probability
    1 - 2 P(Binomial(n, 1/2) < k); k is the largest that keeps this at least ``confidence``. With
    too few values for that (n < 6 at 95%) the interval is the whole range, with the coverage it has.
    """
    ordered = sorted(values)
    n = len(ordered)
    tail = 0.0
    k = 1
    while True:
        tail += math.comb(n, k - 1) / 2 ** n  # P(B < k) grows by P(B = k - 1)
        if k + 1 > (n + 1) // 2 or 1 - 2 * (tail + math.comb(n, k) / 2 ** n) < confidence:
            break
        k += 1
    return {"low": round(ordered[k - 1], 4), "high": round(ordered[n - k], 4), "coverage": round(1 - 2 * tail, 3)}


def _target(what: str, values: Sequence[float], limit: float, *, ratio: bool = False, best: bool = False,
            absolute: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """One target of the summary: the figure quoted (the median, or the best of the runs), its noise, the limit.

    A ratio comes from pairs measured side by side (round by round), so drift of the machine's
    speed cancels; a cost of the hub alone is quoted as the best run (its noise only adds). A
    median also gets the interval that holds the true median (:func:`_median_interval`) and what
    it decides: ``met`` when all of it is within the limit, ``not met`` when none is, else
    ``undecided`` (more rounds, or a quieter machine, would tell).
    """
    stats = _stats(values)
    value = stats["min"] if best else stats["median"]
    found: dict[str, Any] = {"what": what, "value": value, "quoted_as": "min" if best else "median",
                             "kind": "ratio" if ratio else "ms", "limit": limit, "met": value <= limit, **stats}
    if not best:
        interval = _median_interval(values)
        found["median_interval"] = interval
        found["verdict"] = ("met" if interval["high"] <= limit else "not met" if interval["low"] > limit
                            else "undecided")
    return {**found, **(absolute or {})}


def _load_values() -> list[float] | None:
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def _load_average() -> str:
    try:
        return "/".join(f"{v:.2f}" for v in os.getloadavg())
    except (AttributeError, OSError):
        return "n/a"


def _print_discovery(rows: Sequence[DiscoveryRow]) -> None:
    print("(a) raw scan; (b) report(), no cache; (c) report(), warm cache - (b) and (c) are discovery + manifests +")
    print("environment probe + decisions; 'of which discovery' is the cached discovery + manifests alone;")
    print("(p) the warm path at import torch_tensorrt: settings + the activation plan's checks (x raw: paired rounds).")
    header = ("N", "plugins", "(a) raw ms", "(b) uncached ms", "x raw", "(c) cached ms", "x raw",
              "of which discovery ms", "x raw", "(p) plan ms", "x raw", "hub import ms")
    table = []
    for row in rows:
        raw, unc, cac, disc = (median(row.raw), median(row.uncached), median(row.cached),
                               median(row.cached_discovery))
        planned = (f"{median(row.planned):.2f}", f"{median([p / r for p, r in zip(row.planned, row.planned_raw)]):.3f}"
                   ) if row.planned else ("-", "-")
        table.append((str(row.n), str(row.plugins), f"{raw:.2f}", f"{unc:.2f}", f"{unc / raw:.2f}",
                      f"{cac:.2f}", f"{cac / raw:.3f}", f"{disc:.2f}", f"{disc / raw:.3f}", *planned,
                      f"{median(row.hub_import):.1f}"))
    widths = [max(len(h), *(len(r[i]) for r in table)) for i, h in enumerate(header)]
    print("  ".join(h.rjust(w) for h, w in zip(header, widths)))
    for line in table:
        print("  ".join(c.rjust(w) for c, w in zip(line, widths)))


_STARTED = time.perf_counter()


def _progress(message: str) -> None:
    """Progress on stderr, so stdout stays the table and the JSON line."""
    print(f"[{time.perf_counter() - _STARTED:6.1f} s] {message}", file=sys.stderr, flush=True)


def _support_count(support: Path) -> int:
    return sum(1 for p in support.iterdir() if p.name.endswith(".dist-info"))


if __name__ == "__main__":
    sys.exit(main())
