"""The public face plugin authors' ``aot_impl`` calls: the same objects as the launch contract's, and
extras that cannot travel as an int32 refused with the hub's own error before TensorRT sees them.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import pytest

from trt_plugin_hub import _launch, aot
from trt_plugin_hub._errors import HubError
from trt_plugin_hub._launch import LaunchSpec, PackagedKernel

OP = "aot_test::scale"


@pytest.fixture
def bound() -> Iterator[None]:
    _launch.bind(PackagedKernel(OP, "scale_kernel", b"ptx", "sm_90", "ptx/scale.sm_90.ptx", "0" * 64,
                                LaunchSpec(256, 1024, ("numel", "attr:k"))))
    try:
        yield
    finally:
        _launch._BOUND.pop(OP, None)  # noqa: SLF001 - the test's own binding


def _input() -> SimpleNamespace:
    return SimpleNamespace(shape_expr=SimpleNamespace(numel=lambda: 4096))


def test_the_face_is_the_launch_contract():
    assert aot.PackagedKernel is _launch.PackagedKernel
    assert aot.float_bits is _launch.float_bits
    assert aot.bound_ops is _launch.bound_ops


def test_bound_kernel_is_what_packaged_kernel_returns(bound: None):
    assert aot.packaged_kernel(OP).kernel_name == "scale_kernel"
    assert OP in aot.bound_ops()


def test_a_deferred_kernel_is_read_once_when_first_asked_for_and_a_refusal_asks_again():
    op = "aot_test::deferred"
    reads: list[str] = []
    outcomes = iter(["refuse", "read", "read"])

    def read() -> PackagedKernel:
        outcome = next(outcomes)
        reads.append(outcome)
        if outcome == "refuse":
            raise HubError("PTX_HASH_MISMATCH: changed after activation")
        return PackagedKernel(op, "k", b"bytes", "sm_90", "ptx/k.sm_90.ptx", "0" * 64)

    _launch.bind_deferred(op, read)
    try:
        assert op in aot.bound_ops() and reads == []  # bound, not read
        with pytest.raises(HubError, match="PTX_HASH_MISMATCH"):
            aot.packaged_kernel(op)
        assert aot.packaged_kernel(op).ptx == b"bytes"  # refused once: asked again, read
        assert aot.packaged_kernel(op) is aot.packaged_kernel(op)  # then kept
        assert reads == ["refuse", "read"]
    finally:
        _launch._BOUND.pop(op, None)  # noqa: SLF001 - the test's own binding


def test_unbound_op_is_a_hub_error():
    with pytest.raises(HubError, match="no packaged PTX is bound for aot_test::unbound"):
        aot.packaged_kernel("aot_test::unbound")


@pytest.mark.parametrize("value", [1 << 31, -(1 << 31) - 1, 1 << 40])
def test_attribute_outside_int32_raises_hub_error(bound: None, value: int):
    with pytest.raises(HubError, match=r"aot_test::scale: launch extra 'attr:k' = -?\d+ does not fit an int32"):
        aot.launch(OP, inputs=(_input(),), attrs={"k": value})


def test_missing_attribute_raises_hub_error(bound: None):
    with pytest.raises(HubError, match=r"aot_test::scale: launch extra 'attr:k' needs attrs\['k'\]"):
        aot.launch(OP, inputs=(_input(),), attrs={})
