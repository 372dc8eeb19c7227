"""Version parsing and specifier checks with an explicit pre-release policy.

``packaging`` changed how pre-releases match between 24.x and 26.x, so every check here passes
``prereleases=`` explicitly. Local labels (``2.9.0+cu130``) match a public specifier
(``==2.9.0``) as PEP 440 says.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from packaging.version import InvalidVersion, Version

if TYPE_CHECKING:
    from packaging.specifiers import SpecifierSet

__all__ = ["SpecCheck", "check_specifier", "parse_version", "release_at_least", "release_tuple"]


class SpecCheck:
    """Outcome of checking one installed version against one declared specifier.

    A slotted class: activation imports this module on every ``import torch_tensorrt``.
    """

    __slots__ = ("detail", "satisfied")

    def __init__(self, satisfied: bool, detail: str) -> None:
        self.satisfied = satisfied
        self.detail = detail

    def __repr__(self) -> str:
        return f"SpecCheck({self.satisfied!r}, {self.detail!r})"


@lru_cache(maxsize=512)
def parse_version(text: str | None) -> Version | None:
    """Parse ``text`` as a PEP 440 version; ``None`` when absent or unparseable."""
    if not text:
        return None
    try:
        return Version(text)
    except (InvalidVersion, TypeError):
        return None


@lru_cache(maxsize=512)
def _specifier_set(spec: str) -> SpecifierSet | None:
    # Parsed once per process: every plugin check of the same specifier reuses it. Imported here:
    # packaging.specifiers costs ~2 ms to import and a warm activation checks no specifier.
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        return SpecifierSet(spec)
    except InvalidSpecifier:
        return None


def release_tuple(text: str | None, length: int = 3) -> tuple[int, ...] | None:
    """The release numbers of ``text`` padded to ``length`` (``10.7`` -> ``(10, 7, 0)``)."""
    version = parse_version(text)
    if version is None:
        return None
    release = tuple(version.release) + (0,) * length
    return release[:length]


def release_at_least(text: str | None, minimum: tuple[int, ...]) -> bool:
    """Whether the release numbers of ``text`` are at least ``minimum``.

    Compares release numbers only, so ``10.9.0.dev1`` counts as 10.9: the hub's own floors are
    about which features a build has, and a pre-release of 10.9 already has 10.9's.
    """
    release = release_tuple(text, len(minimum))
    return release is not None and release >= minimum


def check_specifier(spec: str, installed: str | None, *, prereleases: bool) -> SpecCheck:
    """Check ``installed`` against the PEP 440 ``spec``.

    ``prereleases`` decides whether an installed pre-release (``2.6.0.dev20241201+cu124``) may
    satisfy the specifier; it is always passed explicitly to ``packaging``.
    """
    specifier = _specifier_set(spec) if isinstance(spec, str) else None
    if specifier is None:
        return SpecCheck(False, f"the specifier {spec!r} is not valid PEP 440")
    if installed is None:
        return SpecCheck(False, f"needs {spec}, found nothing installed")
    version = parse_version(installed)
    if version is None:
        return SpecCheck(False, f"needs {spec}, found {installed!r}, which is not a PEP 440 version")
    if specifier.contains(version, prereleases=prereleases):
        return SpecCheck(True, f"{installed} satisfies {spec}")
    if version.is_prerelease and not prereleases and specifier.contains(version, prereleases=True):
        return SpecCheck(
            False,
            f"needs {spec}, found pre-release {installed} (set TRT_PLUGIN_HUB_PRERELEASES=1 to accept it)",
        )
    return SpecCheck(False, f"needs {spec}, found {installed}")
