"""Importing the hub imports nothing heavy: torch, tensorrt, triton and numpy wait for activation.

Every process that imports torch runs the hub's ``torch.backends`` hook, so these imports are on
the start-up path of every PyTorch program. ``python -X importtime`` lists every module a
statement imports; these tests read that list (no timing assertions: timings are the
benchmark's job, see ``benchmarks/discovery.py``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from _support.dists import jit_op, make_dist, manifest

HEAVY = ("torch", "tensorrt", "torch_tensorrt", "triton", "numpy")


def imported_modules(code: str, *, paths: tuple[Path, ...] = (), env: dict[str, str] | None = None,
                     cwd: Path | None = None) -> list[str]:
    """Names of every module ``code`` imports in a fresh interpreter, from ``-X importtime``."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("TRT_PLUGIN_HUB_", "PYTHON"))}
    full_env["TRT_PLUGIN_HUB_NO_CACHE"] = "1"  # never write to the user's cache from a test
    if paths:
        full_env["PYTHONPATH"] = os.pathsep.join(str(p) for p in paths)
    full_env.update(env or {})
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", code], env=full_env, cwd=cwd,
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    names = []
    for line in proc.stderr.splitlines():
        # "import time: <self us> | <cumulative us> | <indented module name>"
        if line.startswith("import time:") and line.count("|") == 2:
            name = line.rsplit("|", 1)[1].strip()
            if name != "imported package":  # the header line
                names.append(name)
    assert names, proc.stderr  # the option worked: at least the hub itself is listed
    return names


def heavy(names: list[str]) -> list[str]:
    return sorted({n for n in names if n.split(".")[0] in HEAVY})


def test_import_trt_plugin_hub_imports_nothing_heavy():
    names = imported_modules("import trt_plugin_hub")
    assert "trt_plugin_hub" in names
    assert heavy(names) == []


def test_autoload_hook_imports_nothing_heavy():
    # What torch runs for the entry point: import the module, call the hook.
    names = imported_modules("import _trt_plugin_hub_autoload as a; a.hook()")
    assert "_trt_plugin_hub_autoload" in names
    assert heavy(names) == []
    # The hook needs nothing beyond the standard library modules torch has loaded anyway: not
    # even the package.
    hub = {n for n in names if n.startswith(("trt_plugin_hub", "_trt_plugin_hub"))}
    assert hub == {"_trt_plugin_hub_autoload"}
    assert [n for n in names if n.split(".")[0] == "packaging"] == []


def test_the_torch_backends_entry_point_is_the_top_level_hook_module():
    """The installed entry point names ``_trt_plugin_hub_autoload:hook``: loading it loads one small module."""
    from importlib import metadata

    import _trt_plugin_hub_autoload

    (entry,) = [e for e in metadata.entry_points(group="torch.backends") if e.name == "trt_plugin_hub"]
    assert (entry.module, entry.attr) == ("_trt_plugin_hub_autoload", "hook")
    assert entry.load() is _trt_plugin_hub_autoload.hook


#: The standard-library modules ``import torch`` has always loaded before it runs ``torch.backends`` hooks.
TORCH_LOADED = ("__future__", "importlib.machinery", "threading", "types", "typing", "logging", "importlib.metadata")


def test_the_hook_adds_exactly_one_module_to_what_torch_has_loaded():
    """The hook's whole import cost is one small top-level module; nothing else is loaded, not even the package.

    ``sys.modules`` before and after: what torch's entry-point call (``EntryPoint.load()`` and
    the call) adds for the hub, module by module. A new import in the package or its hook (a
    settings read, a logger, ``_version``, ``_autoload``) fails here.
    """
    code = ("import sys\n"
            f"import {', '.join(TORCH_LOADED)}\n"
            "(ep,) = [e for e in importlib.metadata.entry_points(group='torch.backends')"
            " if e.name == 'trt_plugin_hub']\n"
            "before = set(sys.modules)\n"
            "ep.load()()\n"
            "print(' '.join(sorted(set(sys.modules) - before)))\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRT_PLUGIN_HUB_", "PYTHON"))}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["_trt_plugin_hub_autoload"]


def test_deciding_does_not_import_packaging_utils():
    """Names are normalised by ``_settings.canonical_name``: ``packaging.utils`` would bring ``packaging.tags``."""
    if "packaging.utils" in imported_modules("import packaging.specifiers, packaging.version"):
        pytest.skip("this packaging's specifiers import packaging.utils themselves")
    names = imported_modules("import trt_plugin_hub; trt_plugin_hub.report()")
    assert {"packaging.utils", "packaging.tags"} & set(names) == set()


def test_the_settings_import_only_the_standard_library():
    names = imported_modules("import trt_plugin_hub._settings as s; s.read_settings(); s.autoload_enabled()")
    assert {n for n in names if n.startswith("trt_plugin_hub")} == {"trt_plugin_hub", "trt_plugin_hub._settings",
                                                                  "trt_plugin_hub._record"}
    assert not [n for n in names if n.split(".")[0] == "packaging"] and heavy(names) == []


@pytest.mark.parametrize("cached", [False, True])
def test_deciding_imports_nothing_heavy(tmp_path: Path, cached: bool):
    """Discovery, manifests, the environment probe and decisions: still no torch or TensorRT."""
    site = tmp_path / "site"
    files = {"acme/__init__.py": "import torch\n",  # discovery must not run this
             "acme/qdp.py": "import torch\nimport tensorrt\n",
             "acme/trt_plugin.json": manifest("acme", [jit_op("acme::add", "acme.qdp")])}
    make_dist(site, "acme-ops", "1.0.0", entry_points={"torch_tensorrt.plugins": {"acme": "acme"}}, files=files)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    past = time.time() - 3600  # an environment installed a while ago: the cache may be written
    for directory in (site, cwd):
        os.utime(directory, (past, past))
    env = {"TRT_PLUGIN_HUB_NO_CACHE": "0", "TRT_PLUGIN_HUB_CACHE_DIR": str(tmp_path / "cache")} if cached else {}
    code = "import trt_plugin_hub; r = trt_plugin_hub.report(); assert any(p.name == 'acme' for p in r.plugins)"
    for _ in range(2 if cached else 1):
        names = imported_modules(code, paths=(site,), env=env, cwd=cwd)
        assert "trt_plugin_hub._decisions" in names
        assert heavy(names) == []
        if cached:  # the first run wrote the cache, so the second is served from it
            assert list((tmp_path / "cache").glob("discovery-*.json"))
