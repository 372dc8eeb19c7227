"""Statuses, code kinds and the other enums: each member is its string, on every Python."""

from __future__ import annotations

import json

import pytest

from trt_plugin_hub._manifest import OpKind, Priority
from trt_plugin_hub._codes import CODES, CodeKind, Status, describe
from trt_plugin_hub._reasons import Reason
from trt_plugin_hub.authoring import Severity
from trt_plugin_hub.verify import VerifyStatus

ENUMS = (Status, CodeKind, OpKind, Priority, Severity, VerifyStatus)


@pytest.mark.parametrize("enum", ENUMS, ids=lambda e: e.__name__)
def test_a_member_is_its_value_in_comparisons_text_and_json(enum):
    for member in enum:
        assert member == member.value and enum(member.value) is member
        assert str(member) == format(member) == f"{member}" == "%s" % member == member.value
        assert f"{member:>10}" == f"{member.value:>10}"
        assert json.dumps(member) == json.dumps(member.value)


def test_statuses_are_the_five_documented_ones():
    assert [s.value for s in Status] == ["active", "available", "rejected", "failed", "disabled"]
    assert Status.ACTIVE == "active" and format(Status.ACTIVE) == "active"
    assert {s for s in Status if s.usable} == {Status.ACTIVE, Status.AVAILABLE}
    assert {s for s in Status if s.problem} == {Status.REJECTED, Status.FAILED}


def test_every_code_has_a_kind_and_a_sentence():
    assert all(isinstance(kind, CodeKind) and text.endswith(".") for kind, text in CODES.values())
    assert describe("PTX_HASH_MISMATCH") == CODES["PTX_HASH_MISMATCH"][1] and describe("NO_SUCH_CODE") == ""


def test_notes_and_warnings_block_nothing_and_an_unknown_code_is_a_rejection():
    assert Reason("AOT_FALLBACK_JIT", "x").is_note and not Reason("AOT_FALLBACK_JIT", "x").is_warning
    assert Reason("UNDECLARED_OP", "x").is_note and Reason("UNDECLARED_OP", "x").is_warning
    assert Reason("PTX_MISSING", "x").kind is CodeKind.REJECTED and not Reason("PTX_MISSING", "x").is_note
    assert Reason("NOT_A_CODE", "x").kind is CodeKind.REJECTED
