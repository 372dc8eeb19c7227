"""The packaged PTX of an AOT op: choose the file for the GPU and verify it before anything runs."""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from trt_plugin_hub._environment import Environment
from trt_plugin_hub._errors import PtxFormatError
from trt_plugin_hub._reasons import Check, Reason
from trt_plugin_hub.manifest import OpSpec, PtxArtifact
from trt_plugin_hub.ptx import parse_arch, parse_ptx, select_ptx

__all__ = ["PtxResolution", "resolve_ptx", "safe_package_path"]


@dataclass(frozen=True)
class PtxResolution:
    """The PTX chosen for a GPU, verified, or the reason none can be used."""

    artifact: PtxArtifact | None
    path: Path | None
    data: bytes | None
    problem: Reason | None
    checks: tuple[Check, ...]


def resolve_ptx(op: OpSpec, package_dir: Path | None, env: Environment) -> PtxResolution:  # noqa: PLR0911 - one return per check, in the order they run
    """Choose the packaged PTX for ``env``'s GPU and verify it: path, sha256, target, ISA, entry."""
    shipped = ", ".join(a.arch for a in op.ptx) or "none"
    checks: list[Check] = []

    def fail(code: str, message: str, artifact: PtxArtifact | None = None, path: Path | None = None) -> PtxResolution:
        checks.append(Check("ptx", False, message))
        return PtxResolution(artifact, path, None, Reason(code, message), tuple(checks))

    if env.compute_capability is None:
        return fail("PTX_NO_MATCH", f"no GPU to choose PTX for; {op.id} ships {shipped}")
    cc = env.compute_capability
    chosen_arch = select_ptx([a.arch for a in op.ptx], cc)
    if chosen_arch is None:
        return fail("PTX_NO_MATCH", f"{op.id} has no PTX that runs on sm_{cc[0]}{cc[1]}; the package ships {shipped}"
                    " (an sm_XXa target runs only on that exact architecture)")
    artifact = next(a for a in op.ptx if a.arch == chosen_arch)
    checks.append(Check("ptx selection", True, f"{artifact.arch} for sm_{cc[0]}{cc[1]} (ships {shipped})"))
    if package_dir is None:
        return fail("PTX_MISSING", f"{op.id}: the plugin's package directory is unknown", artifact)
    path = safe_package_path(package_dir, artifact.path)
    if path is None:
        return fail("PTX_PATH_ESCAPES", f"{op.id}: PTX path {artifact.path!r} points outside the package", artifact)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return fail("PTX_MISSING", f"{op.id}: {artifact.path} is not in the package (reinstall it)", artifact, path)
    except OSError as exc:
        return fail("PTX_MISSING", f"{op.id}: {artifact.path} cannot be read ({exc.strerror})", artifact, path)
    digest = hashlib.sha256(data).hexdigest()
    if digest != artifact.sha256:
        return fail("PTX_HASH_MISMATCH", f"{op.id}: {artifact.path} has sha256 {digest[:16]}..., the manifest "
                    f"records {artifact.sha256[:16]}...: the file was altered and will not be used", artifact, path)
    checks.append(Check("ptx sha256", True, f"{artifact.path} matches {artifact.sha256[:16]}..."))
    try:
        header = parse_ptx(data)
    except PtxFormatError as exc:
        return fail("PTX_INVALID", f"{op.id}: {artifact.path}: {exc}", artifact, path)
    if parse_arch(header.target) != parse_arch(artifact.arch):
        return fail("PTX_TARGET_MISMATCH", f"{op.id}: {artifact.path} has .target {header.target}, declared for "
                    f"{artifact.arch}", artifact, path)
    if header.entry(artifact.kernel) is None:
        found = ", ".join(e.name for e in header.entries) or "none"
        return fail("PTX_INVALID", f"{op.id}: {artifact.path} has no kernel {artifact.kernel!r} (entries: {found})",
                    artifact, path)
    max_isa = env.max_ptx_isa
    if max_isa is None:
        checks.append(Check("ptx isa", None, f"ISA {header.isa_text}; driver unknown, not checked"))
    elif header.isa > max_isa:
        return fail("PTX_ISA_TOO_NEW", f"{op.id}: {artifact.path} is PTX ISA {header.isa_text}; driver "
                    f"{env.driver} loads ISA <= {max_isa[0]}.{max_isa[1]} (update the driver or rebuild with a "
                    "lower ptx_version)", artifact, path)
    else:
        checks.append(Check("ptx isa", True,
                            f"ISA {header.isa_text} <= {max_isa[0]}.{max_isa[1]} (driver {env.driver})"))
    return PtxResolution(artifact, path, data, None, tuple(checks))


def safe_package_path(package_dir: Path, relative: str) -> Path | None:
    """``package_dir / relative`` if it stays inside the package, links followed; else ``None``.

    Lexically: no absolute path, no ``..``. Then each component below the package is checked with
    ``lstat``; only a symbolic link (rare) costs a full resolution, which must land inside the
    package too. This is a few system calls, not a ``realpath`` of the whole absolute path.
    """
    if not relative or os.path.isabs(relative) or relative.startswith(("/", "\\")):
        return None
    parts = Path(relative).parts
    if ".." in parts:
        return None
    current = package_dir
    for part in parts:
        current = current / part
        try:
            is_link = stat.S_ISLNK(os.lstat(current).st_mode)
        except OSError:
            return current  # missing: the caller reports PTX_MISSING with this path
        if is_link:
            root = package_dir.resolve()
            target = (package_dir / relative).resolve()
            try:
                target.relative_to(root)
            except ValueError:
                return None
            return target
    return current
