"""Compiling a Triton kernel to TensorRT-ready PTX, with no GPU.

Two things make Triton's PTX unfit for TensorRT's AOT launcher as it comes, and this module
fixes both: Triton appends two hidden pointer parameters (global and profile scratch) that
TensorRT never passes, and its line info embeds the absolute path of the kernel's source file.
"""

from __future__ import annotations

import importlib
import logging
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from trt_plugin_hub import _guard
from trt_plugin_hub._errors import PtxBuildError, PtxFormatError
from trt_plugin_hub._manifest import TritonRecipe
from trt_plugin_hub._ptx import Arch, find_entry

from .edit import body_references, drop_trailing_params
from .plan import CompiledKernel

__all__ = ["compile_triton", "default_isa", "load_triton_kernel", "triton_version"]

logger = logging.getLogger(__name__)

#: Triton 3.x adds these after the declared parameters (global scratch, profile scratch).
HIDDEN_PARAMS = 2


def triton_version() -> str:
    """``triton X.Y.Z`` for progress lines; raises :class:`PtxBuildError` when Triton is missing."""
    try:
        import triton
    except ImportError as exc:
        raise PtxBuildError(f"Triton is not importable ({exc}); for `trt-plugin-hub build`, install "
                            "'trt-plugin-hub[build]' (the pinned compilers); for a wheel build, list 'triton==3.6.0' "
                            "in [build-system] requires") from exc

    return f"triton {triton.__version__}"


def default_isa() -> tuple[int, int]:
    """The PTX ISA Triton emits when not told otherwise (what its bundled ``ptxas`` reads)."""
    try:
        from triton import knobs
        from triton.backends.nvidia.compiler import ptx_get_version

        version = ptx_get_version(knobs.nvidia.ptxas.version)
    except Exception:  # private API; 8.7 is Triton 3.6's documented default
        logger.debug("could not ask Triton for its default PTX version", exc_info=True)
        version = 87
    return divmod(int(version), 10)


@contextmanager
def _source_tree_imports(root: Path, top: str) -> Iterator[None]:
    """Import ``top`` and its submodules from ``root`` only, then put ``sys.modules`` back.

    The package being built may also be installed, or already imported from another copy; the
    kernel must come from the tree being built.
    """
    def ours(name: str) -> bool:
        return name == top or name.startswith(top + ".")

    saved = {name: mod for name, mod in sys.modules.items() if ours(name)}
    for name in saved:
        del sys.modules[name]
    entry = str(root)
    sys.path.insert(0, entry)
    importlib.invalidate_caches()
    try:
        yield
    finally:
        with suppress(ValueError):
            sys.path.remove(entry)
        for name in [n for n in sys.modules if ours(n)]:
            del sys.modules[name]
        sys.modules.update(saved)


def load_triton_kernel(package_dir: Path, recipe: TritonRecipe, *, op_id: str) -> Any:
    """Import the ``@triton.jit`` function named by ``recipe.source`` from the package's source tree."""
    root = package_dir.parent
    top = recipe.module.split(".")[0]
    with _source_tree_imports(root, top):
        failure = _guard.import_module(recipe.module)
        if failure is not None:
            raise PtxBuildError(f"cannot import the kernel module {recipe.module!r} from the source tree: "
                                f"{failure}", op_id=op_id) from failure.exception
        module = sys.modules[recipe.module]
        origin = Path(getattr(module, "__file__", "") or "").resolve()
        if root.resolve() not in origin.parents:
            raise PtxBuildError(f"{recipe.module!r} was imported from {origin}, not from the package being "
                                "built", op_id=op_id)
        fn = getattr(module, recipe.function, None)
    if fn is None:
        raise PtxBuildError(f"{recipe.module!r} has no attribute {recipe.function!r}", op_id=op_id)
    from triton.runtime.jit import JITFunction

    if not isinstance(fn, JITFunction):
        raise PtxBuildError(f"{recipe.source!r} is not a plain @triton.jit function (found "
                            f"{type(fn).__name__}; autotuned or heuristic kernels cannot be built ahead "
                            "of time)", op_id=op_id)
    return fn


def _ast_signature(fn: Any, recipe: TritonRecipe, op_id: str) -> dict[str, str]:
    """Triton's signature: every kernel argument in order, ``constexpr`` for the constants."""
    declared = dict(recipe.signature)
    constexprs = dict(recipe.constexprs)
    names = list(fn.arg_names)
    unknown = [n for n in [*declared, *constexprs] if n not in names]
    if unknown:
        raise PtxBuildError(f"build.signature/constexprs name {unknown} which {recipe.function}() does not "
                            f"take (its arguments: {names})", op_id=op_id)
    signature: dict[str, str] = {}
    for name in names:
        if name in constexprs:
            signature[name] = "constexpr"
        elif name in declared:
            signature[name] = declared[name]
        else:
            raise PtxBuildError(f"argument {name!r} of {recipe.function}() is in neither build.signature nor "
                                "build.constexprs", op_id=op_id)
    runtime_order = [n for n in names if n in declared]
    if runtime_order != list(declared):
        # The manifest's order is the order TensorRT passes arguments in; it must be the kernel's.
        raise PtxBuildError(f"build.signature lists {list(declared)} but {recipe.function}() takes them in "
                            f"the order {runtime_order}", op_id=op_id)
    for param in getattr(fn, "params", ()):
        if getattr(param, "is_constexpr", False) and param.name not in constexprs:
            raise PtxBuildError(f"constexpr argument {param.name!r} needs a value in build.constexprs",
                                op_id=op_id)
    return signature


def compile_triton(fn: Any, recipe: TritonRecipe, target: Arch, isa: tuple[int, int], *, op_id: str,
                   shared_mem: int = 0) -> CompiledKernel:
    """Compile ``fn`` for ``target`` (``sm_80``...) at PTX ISA ``isa`` and strip the hidden parameters.

    ``shared_mem`` is the dynamic shared memory the launch section grants; a kernel needing more
    is refused rather than left to fail at launch.
    """
    from triton import knobs
    from triton.backends.compiler import GPUTarget
    from triton.compiler import ASTSource
    from triton.compiler import compile as triton_compile

    arch = str(target)
    if target.suffix == "f":  # the manifest reader refuses it already; never hand it to Triton
        raise PtxBuildError(f"Triton cannot build the family target {arch}", op_id=op_id, arch=arch)
    signature = _ast_signature(fn, recipe, op_id)
    source = ASTSource(fn, signature=signature, constexprs=dict(recipe.constexprs))
    options = {"num_warps": recipe.num_warps, "ptx_version": isa[0] * 10 + isa[1]}
    with tempfile.TemporaryDirectory(prefix="trt-plugin-hub-triton-") as cache_dir, \
            knobs.compilation.scope(), knobs.cache.scope():
        # Line info names the kernel file by absolute path; a private, always-fresh cache keeps
        # results from depending on what an earlier build on this machine left behind.
        knobs.compilation.disable_line_info = True
        knobs.compilation.always_compile = True
        knobs.cache.dir = cache_dir
        try:
            compiled = triton_compile(source, target=GPUTarget("cuda", target.number, 32), options=options)
        except Exception as exc:
            raise PtxBuildError(f"Triton failed to compile {recipe.source}: {type(exc).__name__}: {exc}",
                                op_id=op_id, arch=arch) from exc
        ptx = compiled.asm["ptx"]
        metadata = compiled.metadata
    if isinstance(ptx, bytes):
        ptx = ptx.decode("ascii")
    kernel = metadata.name
    for field in ("global_scratch_size", "profile_scratch_size"):
        size = getattr(metadata, field, 0) or 0
        if size:
            raise PtxBuildError(f"kernel {kernel!r} needs {size} bytes of Triton {field.split('_')[0]} scratch "
                                "memory, which TensorRT's AOT launcher does not provide; simplify the kernel",
                                op_id=op_id, arch=arch)
    shared = getattr(metadata, "shared", 0) or 0
    if shared > shared_mem:
        raise PtxBuildError(f"kernel {kernel!r} needs {shared} bytes of dynamic shared memory; declare "
                            f"launch.shared_mem >= {shared}", op_id=op_id, arch=arch)
    return CompiledKernel(ptx=strip_hidden_params(ptx, kernel, len(recipe.signature), op_id=op_id, arch=arch),
                          kernel=kernel, compiler=triton_version())


def strip_hidden_params(ptx: str, kernel: str, declared: int, *, op_id: str, arch: str) -> str:
    """``ptx`` with ``kernel``'s parameters after the first ``declared`` removed.

    Refuses when the extra parameters are not exactly Triton's hidden scratch pointers or when
    the kernel body uses them: TensorRT would launch the kernel without them.
    """
    try:
        entry = find_entry(ptx, kernel)
    except PtxFormatError as exc:
        raise PtxBuildError(f"the PTX's entries cannot be read: {exc}", op_id=op_id, arch=arch) from exc
    if entry is None:
        raise PtxBuildError(f"the PTX has no .entry named {kernel!r}", op_id=op_id, arch=arch)
    extra = len(entry.params) - declared
    if extra == 0:
        return ptx
    if extra != HIDDEN_PARAMS:
        raise PtxBuildError(f"kernel {kernel!r} has {len(entry.params)} PTX parameters for {declared} declared "
                            f"ones; expected {HIDDEN_PARAMS} hidden scratch pointers from Triton",
                            op_id=op_id, arch=arch)
    hidden = entry.params[declared:]
    for param in hidden:
        if param.kind != "ptr":
            raise PtxBuildError(f"kernel {kernel!r}: trailing parameter {param.name} is {param.ptx_type}, not "
                                "a scratch pointer", op_id=op_id, arch=arch)
        if body_references(ptx, entry, param):
            raise PtxBuildError(f"kernel {kernel!r} uses Triton's hidden scratch parameter {param.name}, which "
                                "TensorRT's AOT launcher does not pass; it cannot be shipped as an AOT kernel",
                                op_id=op_id, arch=arch)
    return drop_trailing_params(ptx, entry, declared)
