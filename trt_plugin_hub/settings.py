"""User controls, read from environment variables (and overridable by ``load()`` arguments).

Precedence, from strongest to weakest:

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
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

__all__ = ["Settings", "ENV_VARS", "normalize_name", "read_settings"]

#: Every environment variable the hub reads, with its meaning (the docs' table is built from it).
ENV_VARS: dict[str, str] = {
    "TRT_PLUGIN_HUB_AUTOLOAD": "0 turns off activation at `import torch_tensorrt`; `load()` still works. Default 1.",
    "TRT_PLUGIN_HUB_DISABLE": "1 turns the hub off entirely: nothing is activated, even by `load()`.",
    "TRT_PLUGIN_HUB_DENY": "Comma-separated plugin names (wildcards allowed) never to load. Beats ALLOW.",
    "TRT_PLUGIN_HUB_ALLOW": "Comma-separated plugin names (wildcards allowed); when set, only these load.",
    "TRT_PLUGIN_HUB_STRICT": "1 raises one StrictModeError listing every plugin problem, causes chained.",
    "TRT_PLUGIN_HUB_PREFER": "Conflict winners, `ns::op=plugin` pairs separated by commas.",
    "TRT_PLUGIN_HUB_PRERELEASES": "1 (default) lets installed pre-releases satisfy a plugin's specifiers; 0 refuses them.",
    "TRT_PLUGIN_HUB_LOCK": "Path of a lock file; only plugins matching it load.",
    "TRT_PLUGIN_HUB_NO_CACHE": "1 bypasses the discovery cache (reads every manifest afresh).",
    "TRT_PLUGIN_HUB_CACHE_DIR": "Where the discovery cache lives (default: the user cache directory).",
    "TRT_PLUGIN_HUB_TARGET": "Decide as if on the host described (the `--target` syntax), on top of this one.",
    "TRT_PLUGIN_HUB_LOG": "Log level of the `trt_plugin_hub` logger, e.g. DEBUG.",
    "TRT_PLUGIN_HUB_ALLOW_OPS": ("Comma-separated op ids (`aten::relu`) a plugin may provide although they are in a "
                                 "namespace of PyTorch, Torch-TensorRT or TensorRT, or exist before the plugin "
                                 "is imported. Exact ids, no wildcards."),
}

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def normalize_name(name: str) -> str:
    """PEP 503 normalisation: lower case, runs of ``-_.`` become ``-``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    value = env.get(name)
    if value is None:
        return default
    value = value.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    return default


def _names(env: Mapping[str, str], name: str) -> tuple[str, ...] | None:
    value = env.get(name)
    if value is None:
        return None
    return tuple(normalize_name(item.strip()) for item in value.split(",") if item.strip())


@dataclass(frozen=True)
class Settings:
    """The controls in force for one load."""

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

    def matches(self, patterns: Iterable[str], names: Iterable[str]) -> str | None:
        """The first pattern matching any of ``names`` (normalised), else ``None``."""
        normalized = [normalize_name(n) for n in names if n]
        for pattern in patterns:
            if any(fnmatch.fnmatchcase(n, pattern) for n in normalized):
                return pattern
        return None

    def to_dict(self) -> dict[str, object]:
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


def read_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read the controls from ``env`` (``os.environ`` by default). Malformed parts are ignored."""
    env = os.environ if env is None else env
    prefer: dict[str, str] = {}
    for item in env.get("TRT_PLUGIN_HUB_PREFER", "").split(","):
        op_id, sep, plugin = item.strip().rpartition("=")
        if sep and op_id and plugin:
            prefer[op_id.strip()] = normalize_name(plugin.strip())
    return Settings(
        autoload=_flag(env, "TRT_PLUGIN_HUB_AUTOLOAD", True),
        disabled=_flag(env, "TRT_PLUGIN_HUB_DISABLE", False),
        deny=_names(env, "TRT_PLUGIN_HUB_DENY") or (),
        allow=_names(env, "TRT_PLUGIN_HUB_ALLOW"),
        strict=_flag(env, "TRT_PLUGIN_HUB_STRICT", False),
        prefer=prefer,
        prereleases=_flag(env, "TRT_PLUGIN_HUB_PRERELEASES", True),
        lock=env.get("TRT_PLUGIN_HUB_LOCK") or None,
        use_cache=not _flag(env, "TRT_PLUGIN_HUB_NO_CACHE", False),
        allow_ops=frozenset(item.strip() for item in env.get("TRT_PLUGIN_HUB_ALLOW_OPS", "").split(",")
                            if item.strip()),
    )
