"""What the build step reads from a manifest: the ``build`` and ``launch`` sections of AOT ops.

Works on the raw JSON object (not the hub's typed manifest) because the build step runs
before the manifest is complete: an AOT op has no ``ptx`` list until this step writes one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from trt_plugin_hub._errors import PtxBuildError
from trt_plugin_hub._launch import LaunchSpec, launch_problems, launch_spec, signature_order_problem
from trt_plugin_hub._ptx import ARCH, Arch, parse_arch

__all__ = [
    "TritonRecipe",
    "NvrtcRecipe",
    "AotOpBuild",
    "CompiledKernel",
    "aot_op_builds",
    "triton_family_problem",
    "SUPPORTED_SCHEMA_VERSIONS",
]

SUPPORTED_SCHEMA_VERSIONS = (1,)

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_SOURCE_REF = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*\Z")


@dataclass(frozen=True)
class TritonRecipe:
    """A Triton kernel: ``module:function`` plus the types and constants to specialise it with."""

    source: str
    signature: tuple[tuple[str, str], ...]
    constexprs: tuple[tuple[str, Any], ...]
    num_warps: int

    @property
    def module(self) -> str:
        """The kernel's module, e.g. ``example_plugin_pkg.kernels.triton_kernels``."""
        return self.source.partition(":")[0]

    @property
    def function(self) -> str:
        """The kernel function's name, which is also its PTX entry name."""
        return self.source.partition(":")[2]


@dataclass(frozen=True)
class NvrtcRecipe:
    """A CUDA C++ file compiled by NVRTC; ``source`` is relative to the package directory."""

    source: str
    kernel: str
    options: tuple[str, ...]


Recipe = TritonRecipe | NvrtcRecipe


@dataclass(frozen=True)
class CompiledKernel:
    """What a compiler produced for one kernel and architecture."""

    ptx: str
    kernel: str
    compiler: str


@dataclass(frozen=True)
class AotOpBuild:
    """Everything needed to build and record one AOT op's PTX."""

    index: int
    op_id: str
    stem: str
    compiler: str
    archs: tuple[str, ...]
    output_dir: str
    launch: LaunchSpec
    recipe: Recipe

    @property
    def declared_params(self) -> int | None:
        """Kernel parameters the manifest declares (``None`` when it does not say)."""
        if isinstance(self.recipe, TritonRecipe):
            return len(self.recipe.signature)
        return None


def _fail(message: str, op_id: str | None = None) -> PtxBuildError:
    return PtxBuildError(message, op_id=op_id)


def _object(value: object, what: str, op_id: str | None) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise _fail(f"{what} must be a JSON object, found {type(value).__name__}", op_id)
    return value


def _positive_int(obj: Mapping[str, Any], key: str, what: str, op_id: str, default: int | None = None) -> int:
    value = obj.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or (value == 0 and default is None):
        raise _fail(f"{what}.{key} must be a positive integer, found {value!r}", op_id)
    return value


def _relative_dir(text: object, what: str, op_id: str) -> str:
    if not isinstance(text, str) or not text or "\\" in text:
        raise _fail(f"{what} must be a '/'-separated relative path, found {text!r}", op_id)
    path = PurePosixPath(text)
    if path.is_absolute() or ".." in path.parts:
        raise _fail(f"{what} must stay inside the package, found {text!r}", op_id)
    return path.as_posix()


def _launch(data: object, op_id: str) -> LaunchSpec:
    """The launch section, within the bounds every host checks (the manifest reader's)."""
    obj = _object(data, "launch", op_id)
    problems = launch_problems(obj)
    if problems:
        first = problems[0]
        raise _fail(f"launch.{first.key} must be {first.expected}, found {first.found!r}", op_id)
    return launch_spec(obj)


def _triton(build: Mapping[str, Any], launch: LaunchSpec, op_id: str) -> TritonRecipe:
    source = build.get("source")
    if not isinstance(source, str) or not _SOURCE_REF.match(source):
        raise _fail(f"build.source must be 'package.module:kernel_function', found {source!r}", op_id)
    signature = _object(build.get("signature"), "build.signature", op_id)
    if not signature:
        raise _fail("build.signature must list the kernel's parameters", op_id)
    problem = signature_order_problem(signature, len(launch.extras))
    if problem is not None:
        raise _fail(problem, op_id)
    constexprs = _object(build.get("constexprs", {}), "build.constexprs", op_id)
    for name, value in constexprs.items():
        if name in signature:
            raise _fail(f"{name!r} is both in build.signature and build.constexprs", op_id)
        if not isinstance(value, (int, float, bool, str)):
            raise _fail(f"build.constexprs[{name!r}] must be a number, bool or string, found {value!r}", op_id)
    num_warps = _positive_int(build, "num_warps", "build", op_id, default=4)
    if launch.block_threads != num_warps * 32:
        # Triton code assumes exactly num_warps warps (and says so with .reqntid): another block
        # size makes the launch fail or compute the wrong thing.
        raise _fail(f"launch.block_threads is {launch.block_threads} but a Triton kernel with "
                    f"num_warps={num_warps} needs exactly {num_warps * 32}", op_id)
    return TritonRecipe(source=source, signature=tuple(signature.items()),
                        constexprs=tuple(constexprs.items()), num_warps=num_warps)


_FORBIDDEN_NVRTC_OPTIONS = ("-arch", "--gpu-architecture", "-G", "--device-debug")


def _nvrtc(build: Mapping[str, Any], op_id: str) -> NvrtcRecipe:
    source = _relative_dir(build.get("source"), "build.source", op_id)
    kernel = build.get("kernel")
    if not isinstance(kernel, str) or not _IDENT.match(kernel):
        raise _fail(f"build.kernel must name the extern \"C\" kernel, found {kernel!r}", op_id)
    options = build.get("options", [])
    if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
        raise _fail(f"build.options must be a list of strings, found {options!r}", op_id)
    for option in options:
        if option.split("=")[0] in _FORBIDDEN_NVRTC_OPTIONS:
            # The architecture comes from build.archs; device debug info embeds build paths.
            raise _fail(f"build.options may not contain {option!r}: the architecture comes from "
                        "build.archs, and debug info would embed build-machine paths", op_id)
    return NvrtcRecipe(source=source, kernel=kernel, options=tuple(options))


def _archs(build: Mapping[str, Any], op_id: str) -> tuple[str, ...]:
    archs = build.get("archs")
    if not isinstance(archs, list) or not archs:
        raise _fail(f"build.archs must be a non-empty list such as ['sm_80', 'sm_90'], found {archs!r}", op_id)
    for arch in archs:
        if not isinstance(arch, str) or not ARCH.match(arch):
            raise _fail(f"build.archs: {arch!r} is not an architecture such as 'sm_80', 'sm_90a' or 'sm_100f'",
                        op_id)
    if len(set(archs)) != len(archs):
        raise _fail(f"build.archs lists an architecture twice: {archs!r}", op_id)
    return tuple(archs)


def triton_family_problem(target: Arch) -> str:
    """Why Triton cannot build a family target such as ``sm_100f``."""
    return (f"build.archs: Triton cannot build the family target {target}: it writes {target.base} or the "
            f"architecture-specific {target.base}a; list {target.base} for Triton, or build this kernel with NVRTC")


def aot_op_builds(manifest: Mapping[str, Any]) -> tuple[AotOpBuild, ...]:
    """The build recipe of every AOT op in a raw manifest object, in manifest order."""
    version = manifest.get("schema_version")
    if version not in SUPPORTED_SCHEMA_VERSIONS:
        raise _fail(f"schema_version {version!r} is not one this build step knows "
                    f"({', '.join(map(str, SUPPORTED_SCHEMA_VERSIONS))})")
    ops = manifest.get("ops")
    if not isinstance(ops, list):
        raise _fail("the manifest's 'ops' must be a list")
    builds = []
    stems: dict[tuple[str, str], str] = {}
    for index, raw in enumerate(ops):
        op = _object(raw, f"ops[{index}]", None)
        if op.get("kind") != "aot":
            continue
        op_id = op.get("id")
        if not isinstance(op_id, str) or "::" not in op_id:
            raise _fail(f"ops[{index}].id must be 'namespace::name', found {op_id!r}")
        build = _object(op.get("build"), "build", op_id)
        launch = _launch(op.get("launch"), op_id)
        compiler = build.get("compiler")
        recipe: Recipe
        if compiler == "triton":
            recipe = _triton(build, launch, op_id)
        elif compiler == "nvrtc":
            recipe = _nvrtc(build, op_id)
        else:
            raise _fail(f"build.compiler must be 'triton' or 'nvrtc', found {compiler!r}", op_id)
        name = op_id.split("::", 1)[1]
        overload = op.get("overload")
        stem = f"{name}.{overload}" if isinstance(overload, str) and overload else name
        output_dir = _relative_dir(build.get("output_dir", "ptx"), "build.output_dir", op_id)
        if (output_dir, stem) in stems:
            raise _fail(f"its PTX files would overwrite those of {stems[(output_dir, stem)]}", op_id)
        stems[(output_dir, stem)] = op_id
        archs = _archs(build, op_id)
        if isinstance(recipe, TritonRecipe):
            family = next((parse_arch(a) for a in archs if parse_arch(a).suffix == "f"), None)
            if family is not None:
                raise _fail(triton_family_problem(family), op_id)
        builds.append(AotOpBuild(index=index, op_id=op_id, stem=stem, compiler=compiler, archs=archs,
                                 output_dir=output_dir, launch=launch, recipe=recipe))
    return tuple(builds)
