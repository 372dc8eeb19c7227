"""A packaged PTX file: where it may lie, what it must hold, and choosing and verifying one for a GPU.

:func:`artifact_problems` runs every check on one file in one order (path inside the package,
present, sha256, readable header, ``.target``, recorded ISA, entry kernel, ISA limit); activation
stops at the first problem, ``validate`` reports them all. Each caller words the problems itself.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from trt_plugin_hub._errors import PtxFormatError
from trt_plugin_hub._reasons import Check, Reason

from . import memo
from .targets import Arch, format_isa, parse_arch, select_arch
from .text import PtxEntry, PtxText, parse_ptx

__all__ = [
    "ArtifactCheck",
    "ArtifactProblem",
    "BuildRecord",
    "PtxArtifact",
    "PtxResolution",
    "artifact_problems",
    "resolve_ptx",
    "safe_package_path",
    "source_digest",
    "stale_sources",
]


@dataclass(frozen=True)
class BuildRecord:
    """What the build compiled one PTX file from (the ``built_from`` object of a ``ptx`` entry).

    ``compiler`` is the compiler and its version (``triton 3.6.0``, ``nvrtc 12.8``); ``sources``
    the sha256 of each source file, by package-relative ``/``-separated path; ``options`` the build
    options that shaped the PTX, as the build wrote them (Triton: ``num_warps``, ``signature``,
    ``constexprs``; NVRTC: ``kernel``, ``options``).
    """

    compiler: str
    sources: tuple[tuple[str, str], ...]
    options: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}), hash=False)

    def to_json(self) -> dict[str, Any]:
        """The object stored in the manifest."""
        return {"compiler": self.compiler, "sources": dict(self.sources), "options": dict(self.options)}


@dataclass(frozen=True)
class PtxArtifact:
    """One prebuilt PTX file of an AOT op, for one architecture (an entry of the manifest's ``ptx`` list)."""

    arch: str
    path: str
    kernel: str
    sha256: str
    isa: str | None = None
    built_from: BuildRecord | None = None


def source_digest(path: Path) -> str:
    """The sha256 a build record keeps of a source file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def stale_sources(package_dir: Path, record: BuildRecord) -> tuple[tuple[str, str | None], ...]:
    """The recorded sources that differ from the files in ``package_dir`` now: (path, sha256 now or ``None``).

    ``None`` means the file is missing, unreadable or outside the package.
    """
    changed: list[tuple[str, str | None]] = []
    for relative, recorded in record.sources:
        path = safe_package_path(package_dir, relative)
        try:
            digest = source_digest(path) if path is not None else None
        except OSError:
            digest = None
        if digest != recorded:
            changed.append((relative, digest))
    return tuple(changed)


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


@dataclass(frozen=True)
class ArtifactProblem:
    """One thing wrong with a PTX file: its code, the manifest field at fault, and the error behind it.

    Codes: ``PTX_PATH_ESCAPES``, ``PTX_MISSING`` (with the ``OSError``), ``PTX_HASH_MISMATCH``,
    ``PTX_INVALID`` (with the ``PtxFormatError``), ``PTX_TARGET_MISMATCH``, ``PTX_ISA_MISMATCH``,
    ``PTX_KERNEL_MISSING``, ``PTX_ISA_TOO_NEW``.
    """

    code: str
    field: str
    error: OSError | PtxFormatError | None = None


@dataclass(frozen=True)
class ArtifactCheck:
    """What :func:`artifact_problems` read of one PTX file, and what is wrong with it."""

    artifact: PtxArtifact
    path: Path | None
    data: bytes | None
    sha256: str | None
    text: PtxText | None
    entry: PtxEntry | None
    problems: tuple[ArtifactProblem, ...]


def artifact_problems(package_dir: Path, artifact: PtxArtifact, *, max_isa: tuple[int, int] | None,
                      check_recorded_isa: bool = True, stop_at_first: bool = False) -> ArtifactCheck:
    """Check one PTX file of a package against its manifest entry, in one order.

    The path stays inside the package; the file is there; its sha256 is the recorded one; its
    header reads; its ``.target`` is the declared architecture; its ``.version`` is the recorded
    ISA (with ``check_recorded_isa``); the declared kernel is an entry; its ISA is at most
    ``max_isa`` (when given). A missing or unreadable file ends the checks; so does every problem
    with ``stop_at_first``.
    """
    problems: list[ArtifactProblem] = []
    path: Path | None = None
    data: bytes | None = None
    digest: str | None = None
    text: PtxText | None = None
    entry: PtxEntry | None = None

    def done() -> ArtifactCheck:
        return ArtifactCheck(artifact, path, data, digest, text, entry, tuple(problems))

    def stop(code: str, field: str, error: OSError | PtxFormatError | None = None) -> bool:
        problems.append(ArtifactProblem(code, field, error))
        return stop_at_first

    path = safe_package_path(package_dir, artifact.path)
    if path is None:
        stop("PTX_PATH_ESCAPES", "path")
        return done()
    try:
        data = path.read_bytes()
    except OSError as exc:
        stop("PTX_MISSING", "path", exc)
        return done()
    digest = hashlib.sha256(data).hexdigest()
    if digest != artifact.sha256 and stop("PTX_HASH_MISMATCH", "sha256"):
        return done()
    try:
        text = parse_ptx(data)
    except PtxFormatError as exc:
        stop("PTX_INVALID", "path", exc)
        return done()
    if parse_arch(text.target) != _declared_arch(artifact.arch) and stop("PTX_TARGET_MISMATCH", "arch"):
        return done()
    if (check_recorded_isa and artifact.isa is not None and artifact.isa != text.isa_text
            and stop("PTX_ISA_MISMATCH", "isa")):
        return done()
    entry = text.entry(artifact.kernel)
    if entry is None and stop("PTX_KERNEL_MISSING", "kernel"):
        return done()
    if max_isa is not None and text.isa > max_isa:
        stop("PTX_ISA_TOO_NEW", "isa")
    return done()


def _declared_arch(arch: str) -> Arch | None:
    try:
        return parse_arch(arch)
    except PtxFormatError:
        return None  # never equal to the file's: a target mismatch


# ----------------------------------------------------------------------------------------------
# Choosing the PTX for a GPU (activation and verify)


@dataclass(frozen=True)
class PtxResolution:
    """The PTX chosen for a GPU, verified, or the reason none can be used."""

    artifact: PtxArtifact | None
    path: Path | None
    data: bytes | None
    problem: Reason | None
    checks: tuple[Check, ...]
    text: PtxText | None = None
    #: The file's identity when its checked bytes were read (or when the memo vouched for them), if
    #: it had settled then (:func:`.memo.settled`): ``None`` when nothing vouches for the file by identity.
    key: memo.FileKey | None = None


def resolve_ptx(op_id: str, artifacts: Sequence[PtxArtifact], package_dir: Path | None, *,
                cc: tuple[int, int] | None, max_isa: tuple[int, int] | None,
                driver: str | None, recall: bool = False) -> PtxResolution:
    """Choose the packaged PTX for a GPU of compute capability ``cc`` and verify it.

    ``max_isa`` is the newest ISA the installed driver (``driver``) loads, ``None`` when unknown.
    The file is checked by :func:`artifact_problems`, stopping at the first problem.

    With ``recall``, a file that passed these checks before and is unchanged since (same
    device, inode, size, mtime and ctime: :mod:`.memo`) is not read again: the resolution then
    has no ``data`` and no ``text``, and whoever hands the file on reads it with
    :func:`.memo.read_verified`, which checks its sha256 again.
    """
    shipped = ", ".join(a.arch for a in artifacts) or "none"
    checks: list[Check] = []

    def fail(code: str, message: str, artifact: PtxArtifact | None = None, path: Path | None = None) -> PtxResolution:
        checks.append(Check("ptx", False, message))
        return PtxResolution(artifact, path, None, Reason(code, message), tuple(checks))

    if cc is None:
        return fail("PTX_NO_MATCH", f"no GPU to choose PTX for; {op_id} ships {shipped}")
    chosen_arch = select_arch([a.arch for a in artifacts], cc)
    if chosen_arch is None:
        return fail("PTX_NO_MATCH", f"{op_id} has no PTX that runs on sm_{cc[0]}{cc[1]}; the package ships {shipped}"
                    " (an sm_XXa target runs only on that exact architecture)")
    artifact = next(a for a in artifacts if a.arch == chosen_arch)
    checks.append(Check("ptx selection", True, f"{artifact.arch} for sm_{cc[0]}{cc[1]} (ships {shipped})"))
    if package_dir is None:
        return fail("PTX_MISSING", f"{op_id}: the plugin's package directory is unknown", artifact)
    key: memo.FileKey | None = None
    if recall:
        path = safe_package_path(package_dir, artifact.path)
        remembered = memo.recall(path, artifact.sha256, artifact.arch, artifact.kernel) if path else None
        if path is not None and remembered is not None and (max_isa is None or remembered[0] <= max_isa):
            checks.append(Check("ptx sha256", True, f"{artifact.path} matches {artifact.sha256[:16]}..."))
            checks.append(_isa_check(remembered[1], max_isa, driver))
            return PtxResolution(artifact, path, None, None, tuple(checks), key=remembered[2])
        key = memo.file_key(path) if path is not None else None  # before reading: see .memo
    check = artifact_problems(package_dir, artifact, max_isa=max_isa, check_recorded_isa=False, stop_at_first=True)
    if check.sha256 is not None and check.sha256 == artifact.sha256:
        checks.append(Check("ptx sha256", True, f"{artifact.path} matches {artifact.sha256[:16]}..."))
    if check.problems:
        code, message = _sentence(op_id, artifact, check, max_isa, driver)
        return fail(code, message, artifact, check.path)
    text = check.text
    if text is None or check.data is None:  # never: without a problem the file was read and parsed
        return fail("PTX_INVALID", f"{op_id}: {artifact.path} could not be read", artifact, check.path)
    checks.append(_isa_check(text.isa_text, max_isa, driver))
    if recall and check.path is not None:
        memo.remember(check.path, key, artifact.sha256, artifact.arch, artifact.kernel, text.isa, text.isa_text)
    settled_key = key if key is not None and memo.settled(key) else None
    return PtxResolution(artifact, check.path, check.data, None, tuple(checks), text, settled_key)


def _isa_check(isa_text: str, max_isa: tuple[int, int] | None, driver: str | None) -> Check:
    if max_isa is None:
        return Check("ptx isa", None, f"ISA {isa_text}; driver unknown, not checked")
    return Check("ptx isa", True, f"ISA {isa_text} <= {format_isa(max_isa)} (driver {driver})")


def _sentence(op_id: str, artifact: PtxArtifact, check: ArtifactCheck, max_isa: tuple[int, int] | None,
              driver: str | None) -> tuple[str, str]:
    """Activation's code and sentence for the first problem of the chosen file."""
    problem = check.problems[0]
    code, error, path = problem.code, problem.error, artifact.path
    if code == "PTX_PATH_ESCAPES":
        return code, f"{op_id}: PTX path {path!r} points outside the package"
    if code == "PTX_MISSING":
        if isinstance(error, FileNotFoundError):
            return code, f"{op_id}: {path} is not in the package (reinstall it)"
        reason = error.strerror if isinstance(error, OSError) else error
        return code, f"{op_id}: {path} cannot be read ({reason})"
    if code == "PTX_HASH_MISMATCH":
        digest = check.sha256 or ""
        return code, (f"{op_id}: {path} has sha256 {digest[:16]}..., the manifest records {artifact.sha256[:16]}...: "
                      "the file was altered and will not be used")
    text = check.text
    if code == "PTX_INVALID" or text is None:
        return "PTX_INVALID", f"{op_id}: {path}: {error}"
    if code == "PTX_TARGET_MISMATCH":
        return code, f"{op_id}: {path} has .target {text.target}, declared for {artifact.arch}"
    if code == "PTX_KERNEL_MISSING":
        # Activation's vocabulary has no separate code for it: the file is unusable as it is.
        found = ", ".join(e.name for e in text.entries) or "none"
        return "PTX_INVALID", f"{op_id}: {path} has no kernel {artifact.kernel!r} (entries: {found})"
    limit = max_isa or (0, 0)
    return "PTX_ISA_TOO_NEW", (f"{op_id}: {path} is PTX ISA {text.isa_text}; driver {driver} loads ISA <= "
                               f"{format_isa(limit)} (update the driver or rebuild with a lower ptx_version)")
