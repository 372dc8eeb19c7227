"""The decisions stage: which plugins and ops can activate here, and why not, before any plugin code runs.

Input: discovered candidates, an :class:`~trt_plugin_hub.Environment` (this host or a target) and
the settings. Output: one :class:`PluginDecision` per candidate, each op accepted (status
``available``) or rejected with a stable code and a sentence. Pure functions of their inputs,
apart from reading the packaged PTX files they check (:func:`trt_plugin_hub._ptx.resolve_ptx`).
"""

from __future__ import annotations

from collections.abc import Sequence

from trt_plugin_hub._discovery import Candidate
from trt_plugin_hub._environment import Environment
from trt_plugin_hub._settings import Settings, canonical_name

from .conflicts import resolve_conflicts
from .model import LockCheck, OpDecision, PluginDecision
from .plugin import decide_plugin, duplicate, screen

__all__ = ["LockCheck", "OpDecision", "PluginDecision", "decide"]


def decide(
    candidates: Sequence[Candidate],
    env: Environment,
    settings: Settings,
    *,
    lock_check: LockCheck | None = None,
) -> tuple[PluginDecision, ...]:
    """Decide every candidate, then resolve op conflicts between the accepted ones.

    The user's controls apply first, then plugin names claimed by two distributions are
    resolved (so denying one side leaves the other), then everything else.
    """
    decisions: list[PluginDecision | None] = [screen(c, settings) for c in candidates]
    claims: dict[str, list[int]] = {}
    for index, candidate in enumerate(candidates):
        if decisions[index] is None:
            claims.setdefault(canonical_name(candidate.name), []).append(index)
    for indexes in claims.values():
        if len(indexes) > 1:
            for index in indexes:
                decisions[index] = duplicate(candidates[index], [candidates[i] for i in indexes if i != index])
    result = [decision if decision is not None else decide_plugin(candidates[i], env, settings, lock_check)
              for i, decision in enumerate(decisions)]
    return tuple(resolve_conflicts(result, settings))
