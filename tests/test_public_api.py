"""The public API: the curated ``__all__`` of the package and of its five public modules.

Every name a user meets is exported: the names in ``__all__`` resolve (lazily, for the root
package), and every hub type reachable from the annotations of a public function, or of the
fields, methods and properties of a public class, is exported too. Every other module is private.
"""

from __future__ import annotations

import dataclasses
import enum
import importlib
import inspect
import subprocess
import sys
import types
import typing
from collections.abc import Iterator
from pathlib import Path

import pytest

import trt_plugin_hub

PACKAGE = Path(trt_plugin_hub.__file__).resolve().parent

#: The root package's public names, by what they are for.
EXPECTED = {
    # run the hub
    "__version__", "load", "report",
    # what it reports
    "Report", "PluginReport", "OpReport", "Reason", "Check", "Status", "CodeKind", "CODES", "describe",
    # where it decides
    "Environment", "probe_environment", "parse_target",
    # the controls
    "Settings", "read_settings", "ENV_VARS",
    # the manifest
    "MANIFEST_FILENAME", "PluginManifest", "OpSpec", "OpKind", "Priority", "Requirements", "CapabilityRange",
    "PtxArtifact", "BuildRecord", "LaunchSpec", "TritonRecipe", "NvrtcRecipe", "ManifestDraft", "read_manifest", "parse_manifest",
    # errors, and what strict mode carries
    "HubError", "ManifestError", "TargetError", "LockError", "StrictModeError", "Finding", "PtxFormatError",
    "PtxBuildError", "ValidationTargetError", "ScaffoldError",
}

#: The public modules; every other module has a private (underscore) component in its path.
PUBLIC_MODULES = ("trt_plugin_hub", "trt_plugin_hub.aot", "trt_plugin_hub.authoring",
                  "trt_plugin_hub.authoring.backend", "trt_plugin_hub.cli", "trt_plugin_hub.testing",
                  "trt_plugin_hub.verify")


def _sort_key(name: str) -> tuple[int, str]:
    """The order ruff's RUF022 keeps: CONSTANTS, then Classes, then everything else."""
    if name.upper() == name:
        return 0, name
    if name[0].isupper():
        return 1, name
    return 2, name


def test_all_is_the_curated_list_sorted():
    assert set(trt_plugin_hub.__all__) == EXPECTED
    assert len(trt_plugin_hub.__all__) == len(EXPECTED)
    assert trt_plugin_hub.__all__ == sorted(trt_plugin_hub.__all__, key=_sort_key)


def test_every_lazy_name_is_public_and_every_public_name_is_lazy():
    assert set(trt_plugin_hub._LAZY) | {"__version__"} == set(trt_plugin_hub.__all__)


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_every_public_name_resolves(module_name: str):
    module = importlib.import_module(module_name)
    assert module.__all__, module_name
    missing = [name for name in module.__all__ if not hasattr(module, name)]
    assert not missing
    assert set(module.__all__) <= set(dir(module))


def test_lazy_names_are_the_objects_of_their_owners():
    for name, owner in trt_plugin_hub._LAZY.items():
        module = importlib.import_module(f"trt_plugin_hub.{owner}")
        assert getattr(trt_plugin_hub, name) is getattr(module, name), name


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'Loader'"):
        trt_plugin_hub.Loader  # noqa: B018 - the attribute access is the test


def test_the_names_resolve_in_a_fresh_interpreter_without_importing_the_pipeline():
    code = ("import sys, trt_plugin_hub as t\n"
            "assert 'trt_plugin_hub._pipeline' not in sys.modules\n"
            "[getattr(t, n) for n in t.__all__]\n"
            "assert 'trt_plugin_hub._pipeline' in sys.modules\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr


def test_the_public_modules_are_the_only_modules_without_a_private_component():
    public = set()
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__main__":
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if not any(part.startswith("_") for part in parts):
            public.add(".".join(parts))
    assert public == set(PUBLIC_MODULES)


def test_status_values_are_str_enums_whose_json_is_the_value():
    import json

    for enum_type in (trt_plugin_hub.Status, trt_plugin_hub.CodeKind, trt_plugin_hub.OpKind, trt_plugin_hub.Priority):
        assert issubclass(enum_type, str) and issubclass(enum_type, enum.Enum)
        for member in enum_type:
            assert member == member.value and str(member) == member.value
            assert json.dumps({"status": member}) == json.dumps({"status": member.value})


def _leaves(hint: object) -> Iterator[type]:
    origin = typing.get_origin(hint)
    if origin is not None or isinstance(hint, types.UnionType):
        for arg in typing.get_args(hint):
            yield from _leaves(arg)
        if isinstance(origin, type):
            yield origin
    elif isinstance(hint, type):
        yield hint


def _annotated(obj: object) -> list[object]:
    """``obj`` itself for a function; a class's dataclass fields, public methods and properties."""
    if not isinstance(obj, type):
        return [obj]
    members: list[object] = [obj] if dataclasses.is_dataclass(obj) else []
    for name, member in vars(obj).items():
        if name.startswith("_") and name != "__init__":
            continue
        if isinstance(member, property):
            member = member.fget
        if isinstance(member, (staticmethod, classmethod)):
            member = member.__func__
        if inspect.isfunction(member):
            members.append(member)
    return members


def _hints(member: object) -> dict[str, object]:
    """``typing.get_type_hints``; names a module imports for type checking only are looked up among the public names.

    A module on the start-up path imports its annotations' types only for type checkers (they
    would cost an import each); a name that is neither in its globals nor public still fails.
    """
    try:
        return typing.get_type_hints(member)
    except NameError:
        public = {name: getattr(trt_plugin_hub, name) for name in trt_plugin_hub.__all__}
        return typing.get_type_hints(member, localns=public)


def _reachable_hub_types(module_name: str) -> dict[type, str]:
    """Every class of the hub reachable from the annotations of ``module_name``'s public names -> the way there."""
    module = importlib.import_module(module_name)
    todo = [(getattr(module, name), f"{module_name}.{name}") for name in module.__all__
            if callable(getattr(module, name))]
    seen: set[int] = set()
    found: dict[type, str] = {}
    while todo:
        obj, via = todo.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        for member in _annotated(obj):
            for field, hint in _hints(member).items():
                for leaf in _leaves(hint):
                    if leaf.__module__.split(".")[0] == "trt_plugin_hub" and leaf not in found:
                        found[leaf] = f"{via}.{field}"
                        todo.append((leaf, leaf.__qualname__))
    return found


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_the_types_public_names_lead_to_are_exported(module_name: str):
    module = importlib.import_module(module_name)
    exported = {id(getattr(m, n)) for m in (module, trt_plugin_hub) for n in m.__all__}
    reached = _reachable_hub_types(module_name)
    missing = {f"{t.__module__}.{t.__qualname__}": via for t, via in reached.items() if id(t) not in exported}
    assert not missing, missing


def test_the_walk_finds_what_a_report_holds():
    reached = {t.__qualname__ for t in _reachable_hub_types("trt_plugin_hub")}
    assert {"Report", "PluginReport", "OpReport", "Reason", "Check", "Status", "Finding", "Environment", "Settings",
            "PluginManifest", "OpSpec", "ManifestDraft", "ManifestError", "CodeKind"} <= reached
