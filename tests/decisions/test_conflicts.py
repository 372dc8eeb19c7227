"""Two plugins claiming one op: declared priority, a deterministic tie-break and the user's preference."""

from __future__ import annotations

from _support.decisions import decided
from _support.dists import jit_op
from _support.plugins import add_plugin


def test_high_priority_wins_a_conflict_and_the_loser_says_who_won(site):
    add_plugin(site, "alpha-ops", "alpha", [jit_op("shared::op", "alpha.qdp")])
    add_plugin(site, "beta-ops", "beta", [jit_op("shared::op", "beta.qdp", priority="high")])
    result = decided()
    assert result["beta-ops"].ops[0].status == "available"
    assert [r.code for r in result["beta-ops"].ops[0].reasons] == ["CONFLICT_WON"]
    lost = result["alpha-ops"].ops[0].reasons[0]
    assert lost.code == "CONFLICT_LOST" and "beta-ops" in lost.message and "priority" in lost.message
    assert result["alpha-ops"].status == "rejected"

def test_equal_priority_tie_is_broken_deterministically_and_preference_overrides(site):
    add_plugin(site, "zeta-ops", "zeta", [jit_op("shared::op", "zeta.qdp")])
    add_plugin(site, "alpha-ops", "alpha", [jit_op("shared::op", "alpha.qdp")])
    first = decided()
    assert first["alpha-ops"].ops[0].status == "available" and first["zeta-ops"].ops[0].status == "rejected"
    assert "tie" in first["zeta-ops"].ops[0].reasons[0].message
    preferred = decided(TRT_PLUGIN_HUB_PREFER="shared::op=Zeta_Ops")
    assert preferred["zeta-ops"].ops[0].status == "available"
    assert preferred["alpha-ops"].ops[0].status == "rejected"
