"""Generator of a fake ``site-packages`` holding test doubles of TensorRT and Torch-TensorRT.

TensorRT and Torch-TensorRT cannot be installed on every test host (no GPU, no driver, no
wheels for the platform), yet the hub's whole job is to talk to them. The doubles written
here are real, importable packages with real ``.dist-info`` metadata, so code under test
finds them exactly as it would find the real ones: through ``import``, through
``importlib.metadata`` and through ``importlib.util.find_spec``.

The package sources are the ``.py`` files under ``templates/``. They are copied verbatim;
the configured versions reach them through a generated ``_double_config.py`` module in each
package, so one template set reproduces the behaviour of many upstream releases (what each
version gates is documented in the templates).

Typical use::

    site = make_double_site(tmp_path / "site", tensorrt_version="10.8.0.43")
    proc = run_python(site, "import tensorrt; print(tensorrt.__version__)")
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Mapping, Sequence

__all__ = ["make_double_site", "run_python", "site_env", "parse_version"]

_TEMPLATES = Path(__file__).resolve().parent / "templates"

# Line in ``torch_tensorrt/__init__.py`` that is rewritten with the configured version.
# That one module cannot read ``_double_config`` because upstream imports ``torch`` before any
# ``torch_tensorrt`` submodule (from 2.9 on) and import-order tests must see the same order.
_VERSION_MARKER = '_DOUBLE_VERSION = "0.0.0"'


def parse_version(text: str) -> tuple[int, ...]:
    """Leading numeric release components of a version string: ``"2.10.0a0"`` -> ``(2, 10, 0)``."""
    parts: list[int] = []
    for piece in text.split("."):
        match = re.match(r"\d+", piece)
        if match is None:
            break
        parts.append(int(match.group()))
        if match.end() != len(piece):
            # A suffix such as "0a0" or "0+cu128" ends the release segment.
            break
    if not parts:
        raise ValueError(f"not a version: {text!r}")
    return tuple(parts)


def _dist_folder_name(dist: str, version: str) -> str:
    # Wheel spec: runs of "-", "_" and "." in the project name become a single "_".
    return f"{re.sub(r'[-_.]+', '_', dist)}-{version}.dist-info"


def _copy_package(name: str, target: Path, *, skip: Sequence[str] = ()) -> list[Path]:
    src = _TEMPLATES / name
    dst = target / name
    if dst.exists():
        shutil.rmtree(dst)

    def ignore(directory: str, entries: list[str]) -> set[str]:
        ignored = {e for e in entries if e == "__pycache__" or e.endswith((".pyc", ".pyo"))}
        rel = Path(directory).relative_to(src)
        for entry in entries:
            if (rel / entry).as_posix() in skip:
                ignored.add(entry)
        return ignored

    shutil.copytree(src, dst, ignore=ignore)
    return sorted(p for p in dst.rglob("*") if p.is_file())


def _write_dist_info(
    target: Path, dist: str, version: str, files: Sequence[Path], top_level: str, summary: str
) -> Path:
    info = target / _dist_folder_name(dist, version)
    if info.exists():
        shutil.rmtree(info)
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\nSummary: {summary}\n",
        encoding="utf-8",
    )
    (info / "INSTALLER").write_text("pip\n", encoding="utf-8")
    (info / "top_level.txt").write_text(f"{top_level}\n", encoding="utf-8")
    # A RECORD without hashes is what ``importlib.metadata.files()`` and
    # ``packages_distributions()`` need; pip itself never reads these doubles.
    rows = [f"{p.relative_to(target).as_posix()},," for p in files]
    rows += [f"{info.name}/{n},," for n in ("METADATA", "INSTALLER", "top_level.txt", "RECORD")]
    (info / "RECORD").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return info


def _remove_previous(target: Path, dist_names: Sequence[str]) -> None:
    """Drop metadata of an earlier run so only one version of each double is visible."""
    wanted = {re.sub(r"[-_.]+", "_", d).lower() for d in dist_names}
    for info in target.glob("*.dist-info"):
        project = info.name[: -len(".dist-info")].rsplit("-", 1)[0].lower()
        if project in wanted:
            shutil.rmtree(info)


def make_double_site(
    target: Path,
    *,
    tensorrt_version: str = "10.13.3.9",
    tensorrt_dist: str = "tensorrt-cu12",
    torch_tensorrt_version: str | None = "2.9.0",
    rtx: bool = False,
) -> Path:
    """Write test doubles of ``tensorrt`` (and ``torch_tensorrt``) into ``target``.

    Args:
        target: Directory to fill (created if missing); put it on ``PYTHONPATH`` / ``sys.path``.
        tensorrt_version: Version the ``tensorrt`` double reports and behaves as.
            ``tensorrt.plugin`` exists from 10.6; AOT (``aot_impl``, ``add_plugin(aot=)``,
            ``QuickPluginCreationRequest``) from 10.9.
        tensorrt_dist: Distribution name whose ``.dist-info`` is written for the TensorRT
            double (``importlib.metadata.version(tensorrt_dist)`` returns ``tensorrt_version``).
        torch_tensorrt_version: Version of the ``torch_tensorrt`` double, or ``None`` to write
            no ``torch_tensorrt`` at all. Converter generation exists from 2.6.
        rtx: Behave as a TensorRT-RTX build: no ``tensorrt.plugin`` module at all.

    Returns:
        ``target``.

    Packages written earlier into ``target`` by this function are replaced.
    """
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    trt_v = parse_version(tensorrt_version)
    _remove_previous(target, [tensorrt_dist, "torch_tensorrt"])
    if (target / "torch_tensorrt").exists():
        shutil.rmtree(target / "torch_tensorrt")

    # Releases before 10.6 and RTX builds ship no ``plugin`` package: leave it out entirely
    # so ``importlib.util.find_spec("tensorrt.plugin")`` is None, as on those installs.
    has_plugin = trt_v >= (10, 6) and not rtx
    trt_files = _copy_package("tensorrt", target, skip=() if has_plugin else ("plugin",))
    config = target / "tensorrt" / "_double_config.py"
    config.write_text(
        '"""Generated by make_double_site: what this TensorRT double behaves as."""\n'
        f"TENSORRT_VERSION = {tensorrt_version!r}\n"
        f"VERSION_TUPLE = {trt_v!r}\n"
        f"IS_RTX = {rtx!r}\n"
        f"DIST_NAME = {tensorrt_dist!r}\n",
        encoding="utf-8",
    )
    trt_files.append(config)
    _write_dist_info(
        target, tensorrt_dist, tensorrt_version, trt_files, "tensorrt",
        "Test double of TensorRT",
    )

    if torch_tensorrt_version is not None:
        ttrt_v = parse_version(torch_tensorrt_version)
        files = _copy_package("torch_tensorrt", target)
        init = target / "torch_tensorrt" / "__init__.py"
        text = init.read_text(encoding="utf-8")
        if _VERSION_MARKER not in text:
            raise RuntimeError("torch_tensorrt template lost its version marker line")
        init.write_text(
            text.replace(_VERSION_MARKER, f"_DOUBLE_VERSION = {torch_tensorrt_version!r}"),
            encoding="utf-8",
        )
        config = target / "torch_tensorrt" / "_double_config.py"
        config.write_text(
            '"""Generated by make_double_site: what this Torch-TensorRT double behaves as."""\n'
            f"TORCH_TENSORRT_VERSION = {torch_tensorrt_version!r}\n"
            f"VERSION_TUPLE = {ttrt_v!r}\n",
            encoding="utf-8",
        )
        files.append(config)
        _write_dist_info(
            target, "torch_tensorrt", torch_tensorrt_version, files, "torch_tensorrt",
            "Test double of Torch-TensorRT",
        )
    return target


def site_env(site: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Environment for a subprocess that should see ``site`` (and only it) on ``PYTHONPATH``."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(site)
    # The driver switch must not leak in from the parent unless a test asks for it.
    env.pop("TRT_DOUBLE_NO_DRIVER", None)
    env.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    if extra:
        env.update(extra)
    return env


def run_python(
    site: Path,
    code: str,
    *,
    extra_env: Mapping[str, str] | None = None,
    timeout: float = 120,
    python: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter that has ``site`` on ``PYTHONPATH``.

    A fresh process per scenario is the only reliable isolation: the doubles keep process-wide
    registries (as upstream does) and ``torch.library`` ops cannot be unregistered.
    """
    return subprocess.run(
        [python or sys.executable, "-c", code],
        env=site_env(site, extra_env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
