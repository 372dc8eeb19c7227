"""Plugin distributions to install into site directories: the good plugin, ``case-*`` plugins,
and the probe a subprocess prints its report and upstream's registries with.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _support.dists import build_wheel, jit_op, make_dist, manifest, pip_install, qdp_module, write_plugin_source
from _support.manifests import aot_op

#: The host the tests decide for: an H100-class GPU behind a CUDA 13.0 (580) driver. The probe
#: finds the upstream versions in their metadata; the GPU comes from this target.
TARGET = "sm_90, driver=580"
ENTRY_POINT_GROUP = "torch_tensorrt.plugins"

GOOD_DIST = "good-ops"
GOOD_PACKAGE = "good_ops"
GOOD_JIT = "good::relu"
GOOD_AOT = "good::scale"


@dataclass
class Dist:
    """One distribution to install: its files (relative to the site) and its entry point."""

    name: str
    package: str | None
    files: dict[str, str | bytes] = field(default_factory=dict)
    entry_value: str | None = None
    version: str = "1.0.0"
    wheel: bool = False
    #: Runs on the site after everything is installed (tampering, symlinks...).
    after: Callable[[Path], None] | None = None

    @property
    def entry_name(self) -> str:
        return self.package or re.sub(r"[^A-Za-z0-9_]", "_", self.name)

    @property
    def entry_points(self) -> dict[str, dict[str, str]]:
        return {ENTRY_POINT_GROUP: {self.entry_name: self.entry_value or str(self.package)}}


def dist_name(key: str) -> str:
    return "case-" + key.replace("_", "-")


def package_name(key: str) -> str:
    return f"case_{key}"


def plugin(key: str, ops: Sequence[Mapping[str, Any]] | None = None, *, modules: Mapping[str, str] | None = None,
           files: Mapping[str, str | bytes] | None = None, requires: Mapping[str, Any] | None = None,
           manifest_text: str | bytes | None = None, name: str | None = None, wheel: bool = False,
           after: Callable[[Path], None] | None = None, dist: str | None = None, version: str = "1.0.0") -> Dist:
    """A plugin distribution ``case-<key>`` with package ``case_<key>``."""
    package = package_name(key)
    content: dict[str, str | bytes] = {f"{package}/__init__.py": ""}
    if manifest_text is not None:
        content[f"{package}/trt_plugin.json"] = manifest_text
    elif ops is not None:
        content[f"{package}/trt_plugin.json"] = manifest(name or dist or dist_name(key), ops, requires)
    for module, source in (modules or {}).items():
        content[f"{package}/{module}.py"] = source
    content.update(files or {})
    return Dist(dist or dist_name(key), package, content, wheel=wheel, after=after, version=version)


def good_plugin(*, wheel: bool = True) -> Dist:
    """The plugin that must activate whatever is installed beside it: one JIT op, one AOT op."""
    files: dict[str, str | bytes] = {}
    ops = [jit_op(GOOD_JIT, f"{GOOD_PACKAGE}.qdp", supports_dynamic_shapes=True),
           aot_op(GOOD_AOT, f"{GOOD_PACKAGE}.qdp", files, package=GOOD_PACKAGE, archs=("sm_80", "sm_90"))]
    content: dict[str, str | bytes] = {
        f"{GOOD_PACKAGE}/__init__.py": "",
        f"{GOOD_PACKAGE}/trt_plugin.json": manifest(GOOD_DIST, ops, {"tensorrt": ">=10.9", "torch_tensorrt": ">=2.8"}),
        f"{GOOD_PACKAGE}/qdp.py": qdp_module([GOOD_JIT, GOOD_AOT], aot=[GOOD_AOT]),
        **files,
    }
    return Dist(GOOD_DIST, GOOD_PACKAGE, content, wheel=wheel)


def install(site: Path, dists: Iterable[Dist], work: Path) -> None:
    """Install ``dists`` into ``site``: wheels through ``pip wheel`` + ``pip install --target``."""
    dists = list(dists)
    site.mkdir(parents=True, exist_ok=True)
    wheel_dists = [d for d in dists if d.wheel]
    if wheel_dists:
        with ThreadPoolExecutor(max_workers=4) as pool:
            wheels = list(pool.map(lambda d: _build(d, work), wheel_dists))
        pip_install(wheels, site)
    for dist in dists:
        if not dist.wheel:
            make_dist(site, dist.name, dist.version, entry_points=dist.entry_points, files=dist.files)
    for dist in dists:
        if dist.after is not None:
            dist.after(site)


def _build(dist: Dist, work: Path) -> Path:
    assert dist.package is not None
    root = work / "projects" / dist.name
    prefix = f"{dist.package}/"
    manifest_text = dist.files.get(f"{prefix}trt_plugin.json", "{}")
    assert isinstance(manifest_text, str), "wheel cases write text manifests"
    extra = {rel[len(prefix):]: content for rel, content in dist.files.items()
             if rel.startswith(prefix) and rel not in (f"{prefix}trt_plugin.json", f"{prefix}__init__.py")}
    write_plugin_source(root, dist.name, dist.package, manifest_text, {}, version=dist.version, extra_files=extra)
    return build_wheel(root, work / "wheels" / dist.name)



def add_plugin(site: Path, dist: str, package: str, ops: Sequence[Mapping[str, Any]], *, version: str = "1.0.0",
               requires: Mapping[str, Any] | None = None, name: str | None = None, manifest_text: str | None = None,
               files: Mapping[str, str | bytes] | None = None, init: str = "", entry_value: str | None = None,
               with_manifest: bool = True) -> Path:
    """One plugin laid down as an installer would: package ``package`` of distribution ``dist``, its
    manifest (``manifest_text``, else one listing ``ops``) and ``files``; returns its ``.dist-info``.
    """
    content: dict[str, str | bytes] = dict(files or {})
    content[f"{package}/__init__.py"] = init
    if with_manifest:
        content[f"{package}/trt_plugin.json"] = manifest_text or manifest(name or dist, ops, requires)
    return make_dist(site, dist, version, entry_points={ENTRY_POINT_GROUP: {package: entry_value or package}},
                     files=content)


def hub_env(**extra: str) -> dict[str, str]:
    """Variables a subprocess needs to decide for :data:`TARGET` (a GPU the host may not have)."""
    env = {"TRT_PLUGIN_HUB_TARGET": TARGET, "PYTHONDONTWRITEBYTECODE": "1"}
    env.update(extra)
    return env



# Printed by the scripts of the integration tests: what the report says and what upstream's registries hold.
PROBE = textwrap.dedent('''
    def probe(rep):
        import sys
        import trt_plugin_hub.aot as hub_aot
        from trt_plugin_hub import _adapter
        from trt_plugin_hub._activation import registered_ops
        counts = {}
        for plugin in rep.plugins:
            for op in plugin.ops:
                ns, name = op.id.split("::")
                try:
                    overload = _adapter.torch_overload(ns, name, op.overload)
                except Exception:
                    continue
                counts[f"{op.id}.{op.overload}"] = _adapter.converter_candidates(overload)
        try:
            qdp = sorted(_adapter.qdp_registry())
        except Exception:
            qdp = None
        return {
            "report": rep.to_dict(),
            "active_ops": list(rep.active_ops),
            "findings": [[f.subject, f.code, f.message] for f in rep.findings],
            "converters": counts,
            "qdp": qdp,
            "bound": list(hub_aot.bound_ops()),
            "registered": sorted(f"{k[0]}.{k[1]}" for k in registered_ops()),
            "imported": sorted(m for m in sys.modules if m.startswith(("case_", "good_"))),
        }
''')
