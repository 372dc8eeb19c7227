"""Op conflicts between accepted plugins: declared priority, then ``TRT_PLUGIN_HUB_PREFER``, then a fixed tie-break."""

from __future__ import annotations

from dataclasses import replace

from trt_plugin_hub._codes import Status
from trt_plugin_hub._reasons import Reason
from trt_plugin_hub._settings import Settings, canonical_name

from .model import OpDecision, PluginDecision

__all__ = ["resolve_conflicts"]


def resolve_conflicts(decisions: list[PluginDecision], settings: Settings) -> list[PluginDecision]:
    """Give each op claimed by several available plugins to one of them; the others lose it, saying to whom."""
    claims: dict[str, list[tuple[int, int]]] = {}
    for p_index, decision in enumerate(decisions):
        if decision.status is not Status.AVAILABLE:
            continue
        for o_index, op_decision in enumerate(decision.ops):
            if op_decision.accepted:
                claims.setdefault(op_decision.op.id, []).append((p_index, o_index))
    updates: dict[tuple[int, int], OpDecision] = {}
    winners_by_holder: dict[tuple[int, int], str] = {}
    for op_id, holders in sorted(claims.items()):
        plugins = {p for p, _ in holders}
        if len(plugins) < 2:
            continue
        winner, rule = _pick_winner(op_id, holders, decisions, settings)
        winner_plugin = decisions[winner].candidate
        losers = sorted({decisions[p].candidate.name for p in plugins if p != winner})
        for p_index, o_index in holders:
            op_decision = decisions[p_index].ops[o_index]
            if p_index == winner:
                note = Reason("CONFLICT_WON", f"{op_id} is also claimed by {', '.join(losers)}; {winner_plugin.name} "
                              f"wins ({rule})")
                updates[(p_index, o_index)] = replace(op_decision, reasons=(*op_decision.reasons, note))
            else:
                winners_by_holder[(p_index, o_index)] = winner_plugin.name
                lost = Reason("CONFLICT_LOST", f"{op_id} is provided by {winner_plugin.name} "
                              f"({winner_plugin.entry_point.distribution}) instead ({rule}); set "
                              f"TRT_PLUGIN_HUB_PREFER={op_id}={decisions[p_index].candidate.name} to choose this one")
                updates[(p_index, o_index)] = replace(op_decision, status=Status.REJECTED,
                                                      reasons=(*op_decision.reasons, lost))
    result = []
    for p_index, decided in enumerate(decisions):
        decision = decided
        ops = tuple(updates.get((p_index, o_index), op) for o_index, op in enumerate(decision.ops))
        if ops != decision.ops:
            decision = replace(decision, ops=ops)
            if not any(op.accepted for op in ops):
                winners = sorted({w for (p, _), w in winners_by_holder.items() if p == p_index})
                decision = replace(decision, status=Status.REJECTED, reasons=(
                    *decision.reasons,
                    Reason("CONFLICT_LOST", f"every op of {decision.candidate.name} is provided by another plugin "
                           f"({', '.join(winners)})")))
        result.append(decision)
    return result


def _pick_winner(op_id: str, holders: list[tuple[int, int]], decisions: list[PluginDecision],
                 settings: Settings) -> tuple[int, str]:
    preferred = settings.prefer.get(op_id)
    if preferred:
        for p_index, _ in holders:
            names = {canonical_name(n) for n in decisions[p_index].candidate.names}
            if preferred in names:
                return p_index, "TRT_PLUGIN_HUB_PREFER names it"
    def key(holder: tuple[int, int]) -> tuple[int, str, str, str]:
        p_index, o_index = holder
        candidate = decisions[p_index].candidate
        high = decisions[p_index].ops[o_index].op.priority == "high"
        return (0 if high else 1, canonical_name(candidate.name), candidate.entry_point.distribution or "",
                candidate.entry_point.version or "")
    ordered = sorted(holders, key=key)
    first, second = key(ordered[0]), key(ordered[1])
    if first[0] != second[0]:
        return ordered[0][0], "priority high beats standard"
    return ordered[0][0], "equal priority: tie broken by plugin name, alphabetically"
