"""The ``build`` section of an AOT op: how the build step compiles its kernel (Triton or NVRTC).

Read in draft mode only (for the build and ``validate``); strict mode keeps the section opaque, so
an installed plugin is never rejected for it. Problems are reported through the reader's
collector as errors on ``ops[N].build.FIELD``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, ClassVar, Protocol

from trt_plugin_hub._launch import LaunchSpec
from trt_plugin_hub._launch.checks import TRITON_BLOCK_CONSTEXPR, geometry_problems, signature_order_problem
from trt_plugin_hub._ptx import ARCH, parse_arch

__all__ = ["COMPILERS", "GEOMETRY_CODE", "NvrtcRecipe", "Recipe", "Report", "TritonRecipe", "read_recipe",
           "recipe_options"]

#: The compilers the build step runs.
COMPILERS = ("triton", "nvrtc")
#: The code of a launch section that disagrees with the geometry the kernel's build fixes.
GEOMETRY_CODE = "LAUNCH_GEOMETRY_MISMATCH"

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_SOURCE_REF = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*\Z")
# NVRTC options the build sets itself (the architecture) or refuses (debug info embeds build paths).
_FORBIDDEN_NVRTC_OPTIONS = ("-arch", "--gpu-architecture", "-G", "--device-debug")


@dataclass(frozen=True)
class TritonRecipe:
    """A Triton kernel: ``module:function`` plus the types and constants to specialise it with."""

    source: str
    signature: tuple[tuple[str, str], ...]
    constexprs: tuple[tuple[str, Any], ...]
    num_warps: int
    archs: tuple[str, ...] = ()
    output_dir: str = "ptx"

    compiler: ClassVar[str] = "triton"

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
    archs: tuple[str, ...] = ()
    output_dir: str = "ptx"

    compiler: ClassVar[str] = "nvrtc"


Recipe = TritonRecipe | NvrtcRecipe


class Report(Protocol):
    """The reader's collector: records one error on a field (strict mode would raise it)."""

    def __call__(self, field: str, expected: str, found: object = None, *, rule: str,
                 code: str = "MANIFEST_INVALID") -> None: ...


def _relative_dir(text: object, field: str, report: Report) -> str | None:
    if not isinstance(text, str) or not text or "\\" in text or PurePosixPath(text).is_absolute() \
            or ".." in PurePosixPath(text).parts:
        report(field, "a '/'-separated relative path inside the package", text, rule="build.path")
        return None
    return PurePosixPath(text).as_posix()


def _archs(build: Mapping[str, Any], where: str, report: Report) -> tuple[str, ...] | None:
    archs = build.get("archs")
    if not isinstance(archs, list) or not archs:
        report(f"{where}.archs", "a non-empty list of architectures such as ['sm_80', 'sm_90']", archs,
               rule="build.archs")
        return None
    ok = True
    for index, arch in enumerate(archs):
        if not isinstance(arch, str) or not ARCH.match(arch):
            report(f"{where}.archs[{index}]", "an architecture such as 'sm_80', 'sm_90a' or 'sm_100f'", arch,
                   rule="build.archs.arch")
            ok = False
        elif arch in archs[:index]:
            report(f"{where}.archs[{index}]", "each architecture once", arch, rule="build.archs.duplicate")
            ok = False
    return tuple(archs) if ok else None


def _triton(build: Mapping[str, Any], launch: LaunchSpec | None, where: str, report: Report,
            archs: tuple[str, ...] | None, output_dir: str | None) -> TritonRecipe | None:
    ok = True
    source = build.get("source")
    if not isinstance(source, str) or not _SOURCE_REF.match(source):
        report(f"{where}.source", "'package.module:kernel_function'", source, rule="build.source")
        ok = False
    signature = build.get("signature")
    if not isinstance(signature, dict) or not signature:
        report(f"{where}.signature", "the kernel's parameters and their Triton types, such as "
               "{'x_ptr': '*fp32', 'n': 'i32', 'y_ptr': '*fp32'}", signature, rule="build.signature")
        signature, ok = {}, False
    elif launch is not None and (problem := signature_order_problem(signature, len(launch.extras))) is not None:
        report(f"{where}.{problem.key}", problem.expected, problem.found, rule="build.signature.order")
        ok = False
    constexprs = build.get("constexprs", {})
    if not isinstance(constexprs, dict):
        report(f"{where}.constexprs", "an object of constexpr names and values", constexprs, rule="build.constexprs")
        constexprs, ok = {}, False
    for name, value in constexprs.items():
        if name in signature:
            report(f"{where}.constexprs.{name}", "a name not also in build.signature", name,
                   rule="build.constexprs.name")
            ok = False
        elif not isinstance(value, (int, float, bool, str)):
            report(f"{where}.constexprs.{name}", "a number, bool or string", value, rule="build.constexprs.value")
            ok = False
    num_warps = build.get("num_warps", 4)
    if isinstance(num_warps, bool) or not isinstance(num_warps, int) or num_warps <= 0:
        report(f"{where}.num_warps", "a positive integer", num_warps, rule="build.num_warps")
        ok = False
    elif launch is not None:
        # Triton code assumes exactly num_warps warps (and says so with .reqntid): another block
        # size makes the launch fail or compute the wrong thing. One program covers BLOCK_SIZE
        # elements: a launch that gives a block more leaves the rest unwritten.
        block = constexprs.get(TRITON_BLOCK_CONSTEXPR)
        for problem in geometry_problems(
                launch, threads=num_warps * 32,
                threads_from=f"a Triton kernel with build.num_warps={num_warps} runs {num_warps} warps of 32; or leave "
                "the field out: the build writes it",
                block_elements=block if isinstance(block, int) and not isinstance(block, bool) else None,
                elements_from=f"build.constexprs.{TRITON_BLOCK_CONSTEXPR}, the elements one program of the kernel "
                "writes; left out, the build writes it"):
            rule = ("build.num_warps.block_threads" if problem.key == "block_threads"
                    else "build.constexprs.block_size.elements_per_block")
            report(f"{where.rpartition('.')[0]}.launch.{problem.key}", problem.expected, problem.found, rule=rule,
                   code=GEOMETRY_CODE)
            ok = False
    for arch in archs or ():
        target = parse_arch(arch)
        if target.suffix == "f":
            report(f"{where}.archs", f"architectures Triton builds: it cannot build the family target {arch}; list "
                   f"{target.base} for Triton (it writes {target.base}a from sm_90 on), or build with NVRTC", arch,
                   rule="build.archs.triton_family")
            ok = False
            break
    if not ok or archs is None or output_dir is None or not isinstance(source, str):
        return None
    return TritonRecipe(source=source, signature=tuple(signature.items()), constexprs=tuple(constexprs.items()),
                        num_warps=num_warps, archs=archs, output_dir=output_dir)


def _nvrtc(build: Mapping[str, Any], where: str, report: Report, archs: tuple[str, ...] | None,
           output_dir: str | None) -> NvrtcRecipe | None:
    source = _relative_dir(build.get("source"), f"{where}.source", report)
    ok = source is not None
    kernel = build.get("kernel")
    if not isinstance(kernel, str) or not _IDENT.match(kernel):
        report(f"{where}.kernel", "the extern \"C\" kernel's name (an identifier)", kernel, rule="build.kernel")
        ok = False
    options = build.get("options", [])
    if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
        report(f"{where}.options", "a list of strings", options, rule="build.options")
        options, ok = [], False
    for index, option in enumerate(options):
        if option.split("=")[0] in _FORBIDDEN_NVRTC_OPTIONS:
            report(f"{where}.options[{index}]", "no -arch or --gpu-architecture (build.archs sets the architecture) "
                   "and no -G or --device-debug (debug info would embed build-machine paths)", option,
                   rule="build.options.forbidden")
            ok = False
    if not ok or source is None or not isinstance(kernel, str) or archs is None or output_dir is None:
        return None
    return NvrtcRecipe(source=source, kernel=kernel, options=tuple(options), archs=archs, output_dir=output_dir)


def read_recipe(build: Mapping[str, Any], launch: LaunchSpec | None, where: str, report: Report) -> Recipe | None:
    """The recipe in an AOT op's ``build`` object at ``where`` (``ops[N].build``); ``None`` if it has errors.

    Launch-dependent rules (the parameter order, Triton's block size) apply when ``launch`` is given.
    """
    compiler = build.get("compiler")
    if compiler not in COMPILERS:
        report(f"{where}.compiler", "one of triton, nvrtc", compiler, rule="build.compiler")
        return None
    archs = _archs(build, where, report)
    output_dir = _relative_dir(build.get("output_dir", "ptx"), f"{where}.output_dir", report)
    if compiler == "triton":
        return _triton(build, launch, where, report, archs, output_dir)
    return _nvrtc(build, where, report, archs, output_dir)


def recipe_options(recipe: Recipe) -> dict[str, Any]:
    """The options of ``recipe`` that shape the PTX, as the build records them in ``built_from.options``.

    The architecture is not among them: each PTX file's own ``arch`` records it.
    """
    if isinstance(recipe, TritonRecipe):
        return {"source": recipe.source, "num_warps": recipe.num_warps, "signature": dict(recipe.signature),
                "constexprs": dict(recipe.constexprs)}
    return {"source": recipe.source, "kernel": recipe.kernel, "options": list(recipe.options)}
