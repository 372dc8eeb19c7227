"""The real upstream Python layers, assembled for tests on a host without TensorRT.

The real ``torch_tensorrt`` and ``tensorrt`` wheels are fetched from the package registry at test
time (``pip download``, never ``pip install``: installing them pulls vendor libraries), cached
outside the repository, unpacked, and stripped of their compiled parts. In place of TensorRT's
compiled module goes ``standin/tensorrt.py``; a ``sitecustomize`` module in the assembled site applies the
three ``torch.cuda`` patches ``torch_tensorrt`` needs to import on a host without a GPU. Nothing
else is changed: the QDP layer, the converter generator, the converter registry and the
converters are upstream's own code.

Layouts (what a user's install looks like):

``pip``
    What ``pip install torch-tensorrt==X`` installs: the ``tensorrt-cuXX`` frontend, the
    ``tensorrt-cuXX-bindings`` wheel, and (where the release requires it) the ``tensorrt`` meta
    package, which for TensorRT 10.7-10.13 is what ships ``tensorrt/plugin``.
``pip-frontend``
    The ``tensorrt-cuXX`` frontend and bindings alone, as ``pip install tensorrt-cu12`` gives.
``tarball``
    One ``tensorrt`` package holding everything, as the wheel in TensorRT's tarball installs.

The cache directory is ``$TRT_PLUGIN_HUB_UPSTREAM_CACHE`` or ``~/.cache/trt-plugin-hub/upstream``.
When the registry cannot be reached, :class:`RegistryUnavailable` says so in one line.
"""

from __future__ import annotations

import email.parser
import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

__all__ = [
    "DEFAULT_CELL",
    "Cell",
    "RegistryUnavailable",
    "assemble",
    "cache_dir",
    "cell_env",
    "cell_paths",
    "run_in_cell",
]

HERE = Path(__file__).resolve().parent
STANDIN = HERE / "standin" / "tensorrt.py"
CPU_PATCHES = HERE / "standin" / "_hub_test_cpu.py"
#: Bump when the assembly changes, so cached sites are rebuilt.
ASSEMBLY_VERSION = "4"
#: Pure-Python (or abi3) dependencies of torch_tensorrt that the test environment may lack.
TORCH_TENSORRT_DEPS = ("dllist", "psutil")
PLATFORMS = ("manylinux_2_28_x86_64", "manylinux_2_27_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64",
             "manylinux_2_34_x86_64")


class RegistryUnavailable(RuntimeError):
    """The package registry could not give a wheel the tests need."""


@dataclass(frozen=True)
class Cell:
    """One combination of the version matrix."""

    torch_tensorrt: str
    layout: str = "pip"
    numpy: str = "newest"

    @property
    def key(self) -> str:
        return f"tt{self.torch_tensorrt}-{self.layout}-np{self.numpy}"


#: The cell functional tests run in: the newest release, as pip installs it, with a numpy whose
#: scalar plugin attributes work on its TensorRT.
DEFAULT_CELL = Cell("2.14.0", "pip", "lt2.4")


def cache_dir() -> Path:
    path = Path(os.environ.get("TRT_PLUGIN_HUB_UPSTREAM_CACHE") or Path.home() / ".cache" / "trt-plugin-hub" / "upstream")
    path.mkdir(parents=True, exist_ok=True)
    return path


# ----------------------------------------------------------------------------------------------
# Downloads


def _python_tag() -> str:
    return f"{sys.version_info[0]}.{sys.version_info[1]}"


def download(requirement: str, *, binary: bool = True) -> Path:
    """The newest file matching ``requirement`` from the registry, downloaded once."""
    root = cache_dir() / "files"
    root.mkdir(parents=True, exist_ok=True)
    index_path = root / "index.json"
    key = f"{requirement}|{'binary' if binary else 'sdist'}|{_python_tag()}"
    with _locked(root / ".lock"):
        index = json.loads(index_path.read_text()) if index_path.exists() else {}
        if key in index and (root / index[key]).exists():
            return root / index[key]
        before = set(os.listdir(root))
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "-q",
               "-d", str(root), requirement]
        if binary:
            cmd += ["--only-binary=:all:", "--python-version", _python_tag(), "--implementation", "cp"]
            for platform in PLATFORMS:
                cmd += ["--platform", platform]
        else:
            cmd += ["--no-binary=:all:"]
        proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PIP_NO_INPUT": "1"})
        if proc.returncode != 0:
            last = next((line for line in reversed(proc.stderr.splitlines()) if line.strip()), "no output")
            raise RegistryUnavailable(f"the package registry did not give {requirement} ({last.strip()})")
        name = canonicalize_name(Requirement(requirement).name).replace("-", "_")
        new = sorted(set(os.listdir(root)) - before) or sorted(
            f for f in os.listdir(root) if canonicalize_name(f.split("-")[0]).replace("-", "_") == name)
        matches = [f for f in new if canonicalize_name(re.split(r"-\d", f)[0]).replace("-", "_") == name
                   and Requirement(requirement).specifier.contains(_file_version(f), prereleases=True)]
        if not matches:
            raise RegistryUnavailable(f"pip downloaded no file for {requirement}")
        chosen = max(matches, key=lambda f: _parse(_file_version(f)))
        index[key] = chosen
        _atomic_write(index_path, json.dumps(index, indent=1, sort_keys=True))
        return root / chosen


def _file_version(filename: str) -> str:
    stem = filename.removesuffix(".tar.gz")
    return stem.split("-")[1]


def _parse(version: str):  # type: ignore[no-untyped-def]
    from packaging.version import Version

    return Version(version)


class _locked:
    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> None:
        self.handle = open(self.path, "a+")
        fcntl.flock(self.handle, fcntl.LOCK_EX)

    def __exit__(self, *exc: object) -> None:
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


# ----------------------------------------------------------------------------------------------
# Unpacking


def _unpack(archive: Path, dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    if archive.name.endswith(".whl"):
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(dest)
        return dest
    with tarfile.open(archive) as tf:
        tf.extractall(dest, filter="data")
    return next(p for p in dest.iterdir() if p.is_dir())


def _requires(metadata_text: str) -> list[Requirement]:
    message = email.parser.Parser().parsestr(metadata_text)
    result = []
    env = {"platform_machine": "x86_64", "platform_release": "6.1.0", "sys_platform": "linux",
           "platform_system": "Linux", "python_version": _python_tag(), "extra": ""}
    for line in message.get_all("Requires-Dist") or []:
        req = Requirement(line)
        if req.marker is None or req.marker.evaluate(env):
            result.append(req)
    return result


def _sdist_requires(root: Path) -> list[Requirement]:
    for candidate in (*root.glob("*.egg-info/requires.txt"),):
        lines = [ln.strip() for ln in candidate.read_text().splitlines()]
        return [Requirement(ln) for ln in lines if ln and not ln.startswith("[")]
    pkg_info = root / "PKG-INFO"
    return _requires(pkg_info.read_text()) if pkg_info.exists() else []


def _write_dist_info(site: Path, name: str, version: str, files: Sequence[str], top_level: str,
                     requires: Sequence[str] = ()) -> None:
    info = site / f"{canonicalize_name(name).replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    lines += [f"Requires-Dist: {r}" for r in requires]
    (info / "METADATA").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (info / "INSTALLER").write_text("pip\n", encoding="utf-8")
    (info / "top_level.txt").write_text(top_level + "\n", encoding="utf-8")
    rows = [f"{f},," for f in files] + [f"{info.name}/{n},," for n in ("METADATA", "INSTALLER", "top_level.txt",
                                                                       "RECORD")]
    (info / "RECORD").write_text("\n".join(rows) + "\n", encoding="utf-8")


def _copy_tree(src: Path, dst: Path, site: Path) -> list[str]:
    """Copy ``src`` into ``dst`` (merging), leaving compiled parts behind; returns RECORD paths."""
    copied = []
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src)
        if path.is_dir() or path.suffix in (".so", ".pyd", ".dll") or ".so." in path.name:
            continue
        if rel.parts and rel.parts[0] in ("lib", "bin", "include") and src.name == "torch_tensorrt":
            continue
        target = dst / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
        copied.append(target.relative_to(site).as_posix())
    return copied


def _standin_source(version: str) -> str:
    text = STANDIN.read_text(encoding="utf-8")
    return text.replace('VERSION = "0.0.0"', f"VERSION = {version!r}", 1)


# ----------------------------------------------------------------------------------------------
# Assembly


def _torch_tensorrt_wheel(version: str) -> Path:
    return download(f"torch-tensorrt=={version}")


def pinned_tensorrt(version: str) -> dict[str, Requirement]:
    """The ``tensorrt*`` requirements of a Torch-TensorRT release, by canonical name (libs left out)."""
    wheel = _torch_tensorrt_wheel(version)
    with zipfile.ZipFile(wheel) as zf:
        meta = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        text = zf.read(meta).decode("utf-8")
    return {canonicalize_name(r.name): r for r in _requires(text)
            if canonicalize_name(r.name).startswith("tensorrt") and not canonicalize_name(r.name).endswith("-libs")}


def assemble(cell: Cell) -> Path:
    """The site directory of ``cell``'s upstream packages (built once, then reused)."""
    site = cache_dir() / "sites" / f"a{ASSEMBLY_VERSION}-py{_python_tag()}-tt{cell.torch_tensorrt}-{cell.layout}"
    if (site / ".complete").exists():
        return site
    with _locked(cache_dir() / ".assemble.lock"):
        if (site / ".complete").exists():
            return site
        tmp = site.with_name(site.name + f".tmp{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        info = _assemble_into(tmp, cell)
        (tmp / "upstream.json").write_text(json.dumps(info, indent=1), encoding="utf-8")
        (tmp / ".complete").write_text("", encoding="utf-8")
        shutil.rmtree(site, ignore_errors=True)
        os.replace(tmp, site)
    return site


def _assemble_into(site: Path, cell: Cell) -> dict[str, object]:
    work = site / ".unpacked"
    reqs = pinned_tensorrt(cell.torch_tensorrt)
    bindings_name = next(n for n in reqs if n.endswith("-bindings"))
    cuda = bindings_name.split("-")[1]  # cu12 / cu13
    bindings_wheel = download(str(reqs[bindings_name]).replace(bindings_name, bindings_name, 1))
    trt_version = _file_version(bindings_wheel.name)
    unpacked = _unpack(bindings_wheel, work / "bindings")
    info: dict[str, object] = {"torch_tensorrt": cell.torch_tensorrt, "layout": cell.layout,
                               "tensorrt": trt_version, "cuda": cuda, "distributions": {}}
    dists: dict[str, str] = {}
    if cell.layout == "tarball":
        files = _copy_tree(unpacked / "tensorrt_bindings", site / "tensorrt", site)
        (site / "tensorrt" / "tensorrt.py").write_text(_standin_source(trt_version), encoding="utf-8")
        files.append("tensorrt/tensorrt.py")
        _write_dist_info(site, "tensorrt", trt_version, files, "tensorrt")
        dists["tensorrt"] = trt_version
    else:
        files = _copy_tree(unpacked / "tensorrt_bindings", site / "tensorrt_bindings", site)
        (site / "tensorrt_bindings" / "tensorrt.py").write_text(_standin_source(trt_version), encoding="utf-8")
        files.append("tensorrt_bindings/tensorrt.py")
        _write_dist_info(site, f"tensorrt-{cuda}-bindings", trt_version, files, "tensorrt_bindings")
        dists[f"tensorrt-{cuda}-bindings"] = trt_version
        frontend_req = f"tensorrt-{cuda}=={trt_version}"
        frontend = _unpack(download(frontend_req, binary=False), work / "frontend")
        files = _copy_tree(frontend / "tensorrt", site / "tensorrt", site)
        _write_dist_info(site, f"tensorrt-{cuda}", trt_version, files, "tensorrt")
        dists[f"tensorrt-{cuda}"] = trt_version
        if cell.layout == "pip" and "tensorrt" in reqs:
            meta = _unpack(download(f"tensorrt=={trt_version}", binary=False), work / "meta")
            files = _copy_tree(meta / "tensorrt", site / "tensorrt", site) if (meta / "tensorrt").is_dir() else []
            _write_dist_info(site, "tensorrt", trt_version, files, "tensorrt",
                             [str(r) for r in _sdist_requires(meta)])
            dists["tensorrt"] = trt_version
    tt = _unpack(_torch_tensorrt_wheel(cell.torch_tensorrt), work / "torch_tensorrt")
    _copy_tree(tt / "torch_tensorrt", site / "torch_tensorrt", site)
    dist_info = next(tt.glob("torch_tensorrt-*.dist-info"))
    shutil.copytree(dist_info, site / dist_info.name)
    dists["torch-tensorrt"] = cell.torch_tensorrt
    # Test-only start-up hook: the torch.cuda patches torch_tensorrt needs without a GPU.
    shutil.copy2(CPU_PATCHES, site / CPU_PATCHES.name)
    (site / "sitecustomize.py").write_text("import _hub_test_cpu  # noqa: F401\n", encoding="utf-8")
    shutil.rmtree(work)
    info["distributions"] = dists
    return info


def deps_site() -> Path:
    """torch_tensorrt's pure dependencies that the test environment lacks, unpacked once."""
    site = cache_dir() / "sites" / f"deps-py{_python_tag()}"
    if (site / ".complete").exists():
        return site
    with _locked(cache_dir() / ".assemble.lock"):
        if not (site / ".complete").exists():
            site.mkdir(parents=True, exist_ok=True)
            for name in TORCH_TENSORRT_DEPS:
                _unpack(download(name), site)
            (site / ".complete").write_text("", encoding="utf-8")
    return site


def numpy_site(spec: str) -> Path | None:
    """A numpy release on its own path entry; ``None`` for the test environment's own numpy."""
    if spec == "installed":
        return None
    requirement = {"newest": "numpy", "lt2.4": "numpy<2.4"}.get(spec, f"numpy=={spec}")
    wheel = download(requirement)
    site = cache_dir() / "sites" / f"numpy-{_file_version(wheel.name)}-py{_python_tag()}"
    if not (site / ".complete").exists():
        with _locked(cache_dir() / ".assemble.lock"):
            if not (site / ".complete").exists():
                _unpack(wheel, site)
                (site / ".complete").write_text("", encoding="utf-8")
    return site


def cell_paths(cell: Cell) -> list[Path]:
    """The ``sys.path`` entries (first to last) that give a process ``cell``'s upstream."""
    paths = [p for p in (numpy_site(cell.numpy), deps_site(), assemble(cell)) if p is not None]
    return paths


def cell_env(paths: Sequence[Path], extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRT_PLUGIN_HUB_")}
    env["PYTHONPATH"] = os.pathsep.join(str(p) for p in paths)
    env["TRT_PLUGIN_HUB_NO_CACHE"] = "1"
    env.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    # The real _lib.py has invalid escape sequences; a -W error run must not fail on them.
    env["PYTHONWARNINGS"] = "ignore::SyntaxWarning,ignore::DeprecationWarning"
    env.update(extra or {})
    return env


def run_in_cell(cell: Cell, code: str, *, paths: Sequence[Path] = (), env: Mapping[str, str] | None = None,
                timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter that sees ``paths`` and then ``cell``'s upstream."""
    all_paths = [*paths, *cell_paths(cell)]
    return subprocess.run([sys.executable, "-c", code], env=cell_env(all_paths, env), capture_output=True,
                          text=True, timeout=timeout)
