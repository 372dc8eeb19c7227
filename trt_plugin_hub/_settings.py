"""The process environment: every variable the hub reads is read here, and nowhere else.

:func:`read_settings` turns the environment (or a mapping given in its place) into
:class:`Settings`; :func:`autoload_enabled` answers the one question the ``torch.backends`` hook
asks once ``torch_tensorrt`` is imported. This module imports the standard library and ``_record`` only.

One rule for every ``TRT_PLUGIN_HUB_*`` variable:

* a value that is empty after removing surrounding whitespace is the same as an unset variable;
* a flag reads ``1``/``true``/``yes``/``on`` or ``0``/``false``/``no``/``off``, in any case;
* any other value is ignored - the default applies - and named, with the variable, in one warning
  per process on the ``trt_plugin_hub`` logger. Nothing raises: a variable never makes
  ``import torch`` fail.

The platform variables (``CUDA_VISIBLE_DEVICES``, ``XDG_CACHE_HOME``, ``LOCALAPPDATA``,
``NO_COLOR``) keep their own meaning; an empty ``CUDA_VISIBLE_DEVICES`` hides every GPU, as it does
for CUDA, and any non-empty ``NO_COLOR`` (even ``0``) turns colour off, as no-color.org says.

Precedence of the controls, from strongest to weakest:

1. ``TRT_PLUGIN_HUB_DISABLE=1`` (or ``TRT_PLUGIN_HUB_AUTOLOAD=0`` for the automatic path only);
2. ``TRT_PLUGIN_HUB_DENY`` - a denied plugin never loads, even if allowed;
3. ``TRT_PLUGIN_HUB_ALLOW`` - when set, only plugins it names load;
4. ``TRT_PLUGIN_HUB_LOCK`` - when set, only plugins matching the lock file load;
5. the plugins' own requirements.

Names in DENY/ALLOW/PREFER match the plugin name, the distribution name and the entry point name,
compared after PEP 503 normalisation (``Example_Ops`` = ``example-ops``); ``*`` and ``?``
wildcards are allowed.
"""

from __future__ import annotations

import fnmatch
import logging
import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import field
from pathlib import Path

from ._record import FACTORY, Frozen, record, replace

__all__ = ["ENV_VARS", "Settings", "autoload_enabled", "canonical_name", "configure_logging", "read_settings",
           "warn_invalid"]

#: Every environment variable the hub reads, with its meaning (``docs/environment.rst`` lists each).
ENV_VARS: dict[str, str] = {
    "TRT_PLUGIN_HUB_AUTOLOAD": "0 turns off activation at `import torch_tensorrt`; `load()` still works. Default 1.",
    "TRT_PLUGIN_HUB_DISABLE": "1 turns the hub off entirely: nothing is activated, even by `load()`. Default 0.",
    "TRT_PLUGIN_HUB_DENY": "Comma-separated plugin names (wildcards allowed) never to load. Beats ALLOW.",
    "TRT_PLUGIN_HUB_ALLOW": "Comma-separated plugin names (wildcards allowed); when set, only these load.",
    "TRT_PLUGIN_HUB_ALLOW_OPS": ("Comma-separated op ids (`aten::relu`) a plugin may provide although they are in a "
                                 "namespace of PyTorch, Torch-TensorRT or TensorRT, or exist before the plugin "
                                 "is imported. Exact ids, no wildcards."),
    "TRT_PLUGIN_HUB_STRICT": "1 raises one StrictModeError listing every plugin problem, causes chained. Default 0.",
    "TRT_PLUGIN_HUB_PREFER": "Conflict winners, `ns::op=plugin` pairs separated by commas.",
    "TRT_PLUGIN_HUB_PRERELEASES": ("1 (default) lets installed pre-releases satisfy a plugin's specifiers; "
                                   "0 refuses them."),
    "TRT_PLUGIN_HUB_LOCK": "Path of a lock file; only plugins matching it load.",
    "TRT_PLUGIN_HUB_NO_CACHE": "1 bypasses the discovery cache (reads every manifest afresh). Default 0.",
    "TRT_PLUGIN_HUB_CACHE_DIR": "Where the discovery cache lives (default: the user cache directory).",
    "TRT_PLUGIN_HUB_TARGET": "Decide as if on the host described (the `--target` syntax), on top of this one.",
    "TRT_PLUGIN_HUB_LOG": "Log level of the `trt_plugin_hub` logger, e.g. DEBUG.",
    "TRT_PLUGIN_HUB_PTXAS": "Path of a `ptxas` the PTX build and `validate` try first.",
    "CUDA_VISIBLE_DEVICES": "CUDA's own variable: which GPU the probe describes; empty, -1 or none hide every GPU.",
    "XDG_CACHE_HOME": "The user cache directory (absolute paths only), where the discovery cache lives.",
    "LOCALAPPDATA": "On Windows, the user cache directory's parent, where the discovery cache lives.",
    "NO_COLOR": "The no-color.org convention: any non-empty value turns off colour and status symbols in text output.",
}

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})
#: The level names ``logging`` knows (``logging.getLevelNamesMapping()``), without importing it.
_LOG_LEVELS = frozenset({"CRITICAL", "FATAL", "ERROR", "WARN", "WARNING", "INFO", "DEBUG", "NOTSET"})

log = logging.getLogger("trt_plugin_hub")

#: The warnings given in this process: each invalid value is reported once.
_WARNED: set[str] = set()


def canonical_name(name: str) -> str:
    """PEP 503 normalisation (lower case, runs of ``-_.`` become ``-``): ``packaging.utils.canonicalize_name``.

    The same result on every string (the test suite checks it on arbitrary text), without
    importing ``packaging.utils``: it imports ``packaging.tags`` and with it ``subprocess`` and
    ``sysconfig``, about 6 ms on every ``report()`` in a fresh process, which otherwise never
    needs them. Tools that import ``packaging.utils`` anyway call ``canonicalize_name``.
    """
    value = name.lower().replace("_", "-").replace(".", "-")
    while "--" in value:
        value = value.replace("--", "-")
    return value


def warn_invalid(variable: str, value: str, problem: str) -> None:
    """Log that ``variable=value`` is ignored because of ``problem``; once per process for each message."""
    message = f"trt-plugin-hub: ignoring {variable}={value!r}: {problem}"
    if message in _WARNED:
        return
    _WARNED.add(message)
    log.warning("%s", message)


@record
class Settings(Frozen):
    """The controls in force for one load.

    Built by :func:`read_settings` from the environment, or by hand: a field left out takes the
    default of an unset variable (``cache_dir=None`` means no discovery cache). A frozen
    dataclass.
    """

    autoload: bool = True
    disabled: bool = False
    deny: tuple[str, ...] = ()
    allow: tuple[str, ...] | None = None
    strict: bool = False
    prefer: Mapping[str, str] = field(default_factory=dict)
    prereleases: bool = True
    lock: str | None = None
    use_cache: bool = True
    allow_ops: frozenset[str] = frozenset()
    #: Where the discovery cache lives; ``None``: nowhere (no home directory).
    cache_dir: Path | None = None
    #: ``TRT_PLUGIN_HUB_TARGET``: another host, in the ``--target`` syntax.
    target: str | None = None
    #: ``TRT_PLUGIN_HUB_LOG``: a level name of :mod:`logging`, upper case.
    log_level: str | None = None
    #: ``TRT_PLUGIN_HUB_PTXAS``: a ``ptxas`` to try first.
    ptxas: str | None = None
    #: ``CUDA_VISIBLE_DEVICES`` as CUDA reads it (``None``: unset; ``""`` hides every GPU).
    visible_devices: str | None = None
    #: ``NO_COLOR`` is set to a non-empty value: text output has no colour and no status symbols.
    no_color: bool = False
    #: Why values were ignored (each also logged once per process).
    problems: tuple[str, ...] = ()

    def __init__(self, autoload: bool = True, disabled: bool = False, deny: tuple[str, ...] = (),
                 allow: tuple[str, ...] | None = None, strict: bool = False, prefer: Mapping[str, str] = FACTORY,
                 prereleases: bool = True, lock: str | None = None, use_cache: bool = True,
                 allow_ops: frozenset[str] = frozenset(), cache_dir: Path | None = None, target: str | None = None,
                 log_level: str | None = None, ptxas: str | None = None, visible_devices: str | None = None,
                 no_color: bool = False, problems: tuple[str, ...] = ()) -> None:
        setting = object.__setattr__
        setting(self, "autoload", autoload)
        setting(self, "disabled", disabled)
        setting(self, "deny", deny)
        setting(self, "allow", allow)
        setting(self, "strict", strict)
        setting(self, "prefer", {} if prefer is FACTORY else prefer)
        setting(self, "prereleases", prereleases)
        setting(self, "lock", lock)
        setting(self, "use_cache", use_cache)
        setting(self, "allow_ops", allow_ops)
        setting(self, "cache_dir", cache_dir)
        setting(self, "target", target)
        setting(self, "log_level", log_level)
        setting(self, "ptxas", ptxas)
        setting(self, "visible_devices", visible_devices)
        setting(self, "no_color", no_color)
        setting(self, "problems", problems)

    def matches(self, patterns: Iterable[str], names: Iterable[str]) -> str | None:
        """The first pattern matching any of ``names`` (normalised), else ``None``."""
        normalized = [canonical_name(n) for n in names if n]
        for pattern in patterns:
            if any(fnmatch.fnmatchcase(n, pattern) for n in normalized):
                return pattern
        return None

    def to_dict(self) -> dict[str, object]:
        """The controls a report shows (the JSON ``settings`` object)."""
        return {
            "autoload": self.autoload,
            "disabled": self.disabled,
            "deny": list(self.deny),
            "allow": None if self.allow is None else list(self.allow),
            "strict": self.strict,
            "prefer": dict(self.prefer),
            "prereleases": self.prereleases,
            "lock": self.lock,
            "use_cache": self.use_cache,
            "allow_ops": sorted(self.allow_ops),
        }


class _Reader:
    """Reads variables under the one rule, collecting what it had to ignore."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.problems: list[tuple[str, str, str]] = []

    def text(self, name: str) -> str | None:
        """The stripped value; ``None`` when unset or empty."""
        value = self.env.get(name)
        if value is None:
            return None
        return value.strip() or None

    def invalid(self, name: str, problem: str) -> None:
        self.problems.append((name, self.env.get(name, ""), problem))

    def flag(self, name: str, default: bool) -> bool:
        value = self.text(name)
        if value is None:
            return default
        if value.lower() in _TRUE:
            return True
        if value.lower() in _FALSE:
            return False
        shown = "on" if default else "off"
        self.invalid(name, f"expected 1/true/yes/on or 0/false/no/off; using the default ({shown})")
        return default

    def items(self, name: str) -> list[str] | None:
        """The comma-separated items (empty items skipped); ``None`` when unset, empty or itemless."""
        value = self.text(name)
        if value is None:
            return None
        items = [item.strip() for item in value.split(",") if item.strip()]
        if not items:
            self.invalid(name, "no item in the comma-separated list; using the default")
            return None
        return items

    def names(self, name: str) -> tuple[str, ...] | None:
        items = self.items(name)
        return None if items is None else tuple(canonical_name(item) for item in items)

    def prefer(self) -> dict[str, str]:
        name = "TRT_PLUGIN_HUB_PREFER"
        prefer: dict[str, str] = {}
        malformed = []
        for item in self.items(name) or ():
            op_id, sep, plugin = item.rpartition("=")
            if sep and op_id.strip() and plugin.strip():
                prefer[op_id.strip()] = canonical_name(plugin.strip())
            else:
                malformed.append(item)
        if malformed:
            self.invalid(name, f"skipping {', '.join(map(repr, malformed))}: expected ns::op=plugin pairs")
        return prefer

    def log_level(self) -> str | None:
        name = "TRT_PLUGIN_HUB_LOG"
        value = self.text(name)
        if value is None:
            return None
        if value.upper() in _LOG_LEVELS:
            return value.upper()
        self.invalid(name, f"not a log level (use one of {', '.join(sorted(_LOG_LEVELS))}); the log is not configured")
        return None

    def warn(self) -> tuple[str, ...]:
        """Log each problem (once per process) and return them as sentences."""
        for name, value, problem in self.problems:
            warn_invalid(name, value, problem)
        return tuple(f"{name}={value!r}: {problem}" for name, value, problem in self.problems)


def _cache_dir(reader: _Reader, platform: str) -> Path | None:
    r"""``TRT_PLUGIN_HUB_CACHE_DIR``, else the user cache directory.

    That is ``$XDG_CACHE_HOME/trt-plugin-hub`` or ``~/.cache/trt-plugin-hub`` (on Windows
    ``%LOCALAPPDATA%\trt-plugin-hub\Cache``); ``None`` when no home directory is known.
    """
    explicit = reader.text("TRT_PLUGIN_HUB_CACHE_DIR")
    if explicit is not None:
        try:
            return Path(explicit).expanduser()
        except RuntimeError:  # '~' without a home directory: taken literally
            return Path(explicit)
    local = reader.text("LOCALAPPDATA")
    if platform == "win32" and local is not None:
        return Path(local) / "trt-plugin-hub" / "Cache"
    xdg = reader.text("XDG_CACHE_HOME")
    if xdg is not None and os.path.isabs(xdg):  # the XDG spec says to ignore relative values
        return Path(xdg) / "trt-plugin-hub"
    try:
        return Path.home() / ".cache" / "trt-plugin-hub"
    except (RuntimeError, KeyError, OSError):  # no HOME and no passwd entry
        return None


def read_settings(env: Mapping[str, str] | None = None) -> Settings:
    """The controls in ``env`` (``os.environ`` by default), under the module's one rule.

    Never raises: an invalid value is ignored (its default applies) and logged once per process.
    """
    reader = _Reader(os.environ if env is None else env)
    settings = Settings(
        autoload=reader.flag("TRT_PLUGIN_HUB_AUTOLOAD", True),
        disabled=reader.flag("TRT_PLUGIN_HUB_DISABLE", False),
        deny=reader.names("TRT_PLUGIN_HUB_DENY") or (),
        allow=reader.names("TRT_PLUGIN_HUB_ALLOW"),
        strict=reader.flag("TRT_PLUGIN_HUB_STRICT", False),
        prefer=reader.prefer(),
        prereleases=reader.flag("TRT_PLUGIN_HUB_PRERELEASES", True),
        lock=reader.text("TRT_PLUGIN_HUB_LOCK"),
        use_cache=not reader.flag("TRT_PLUGIN_HUB_NO_CACHE", False),
        allow_ops=frozenset(reader.items("TRT_PLUGIN_HUB_ALLOW_OPS") or ()),
        cache_dir=_cache_dir(reader, sys.platform),
        target=reader.text("TRT_PLUGIN_HUB_TARGET"),
        log_level=reader.log_level(),
        ptxas=reader.text("TRT_PLUGIN_HUB_PTXAS"),
        visible_devices=reader.env.get("CUDA_VISIBLE_DEVICES"),
        no_color=bool(reader.env.get("NO_COLOR")),
    )
    problems = reader.warn()
    return replace(settings, problems=problems) if problems else settings


def configure_logging(settings: Settings) -> None:
    """Honour ``TRT_PLUGIN_HUB_LOG`` (a level name): a handler on standard error, once per process.

    Called by :func:`trt_plugin_hub.load` and by every command of the command line, so the level
    shows in ``trt-plugin-hub list`` as it does in a program.
    """
    if settings.log_level is None or getattr(log, "_hub_configured", False):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    log.setLevel(settings.log_level)
    log._hub_configured = True  # type: ignore[attr-defined]  # noqa: SLF001 - marks the logger configured once


def autoload_enabled(env: Mapping[str, str] | None = None) -> bool:
    """Whether the ``torch.backends`` hook activates plugins: ``Settings.autoload and not Settings.disabled``.

    Reads only those two variables (the hook runs at every ``import torch``), under the same rule.
    """
    reader = _Reader(os.environ if env is None else env)
    autoload = reader.flag("TRT_PLUGIN_HUB_AUTOLOAD", True)
    disabled = reader.flag("TRT_PLUGIN_HUB_DISABLE", False)
    reader.warn()
    return autoload and not disabled
