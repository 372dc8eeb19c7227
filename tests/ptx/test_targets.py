"""Architectures and ISA versions: the one architecture table (the manifest reader, ``parse_arch``, the
build planner and ``--target`` agree on it), which PTX runs where, and the driver's ISA limits.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from _support.manifests import aot_op

from trt_plugin_hub._environment import Environment, parse_target
from trt_plugin_hub._errors import ManifestError, PtxBuildError, PtxFormatError, TargetError
from trt_plugin_hub._manifest import parse_manifest
from trt_plugin_hub._ptx import (
    Arch,
    cuda_version_for_driver,
    isa_limit_for_driver,
    max_isa_for_cuda,
    parse_arch,
    runs_on,
    select_arch,
    target_matches,
)
from trt_plugin_hub.authoring._ptxbuild.plan import plan_builds

HOST = Environment(python="3.12.0", driver="580.65.06", cuda_driver_version=(13, 0), compute_capability=(9, 0))

#: (text, the architecture it is, whether --target reads it as that (it also takes compute_XY)).
ARCHS: list[tuple[str, Arch | None, bool]] = [
    ("sm_80", Arch(8, 0), True),
    ("sm_86", Arch(8, 6), True),
    ("sm_90a", Arch(9, 0, "a"), True),
    ("sm_100", Arch(10, 0), True),
    ("sm_100a", Arch(10, 0, "a"), True),
    ("sm_100f", Arch(10, 0, "f"), True),
    ("sm_120f", Arch(12, 0, "f"), True),
    ("compute_90", None, True),
    ("compute_100f", None, True),
    ("sm_1000", None, False),
    ("sm_9", None, False),
    ("sm_90b", None, False),
    ("sm90", None, False),
    ("sm_", None, False),
    ("", None, False),
]


def _manifest_with(arch: str) -> dict[str, Any]:
    files: dict[str, str | bytes] = {}
    op = aot_op("acme::op", "acme.qdp", files, build={"compiler": "nvrtc", "source": "k.cu", "kernel": "scale_kernel",
                                                       "archs": [arch]})
    op["ptx"][0]["arch"] = arch
    return {"schema_version": 1, "name": "acme", "ops": [op]}


def _reader_accepts(arch: str) -> bool:
    try:
        parse_manifest(_manifest_with(arch), "acme")
    except ManifestError as exc:
        assert exc.field == "ops[0].ptx[0].arch", exc
        return False
    return True


def _planner_accepts(arch: str) -> bool:
    try:
        plan_builds(parse_manifest(_manifest_with(arch), "acme", draft=True))
    except PtxBuildError as exc:
        assert "build.archs" in str(exc), exc
        return False
    return True


def _target_reads(text: str) -> tuple[int, int] | None:
    try:
        return parse_target(text, base=HOST).compute_capability
    except TargetError:
        return None


@pytest.mark.parametrize("text, arch, target_reads_it", ARCHS, ids=[case[0] or "empty" for case in ARCHS])
def test_one_architecture_table(text: str, arch: Arch | None, target_reads_it: bool):
    try:
        parsed: Arch | None = parse_arch(text)
    except PtxFormatError:
        parsed = None
    assert parsed == arch
    assert _reader_accepts(text) is (arch is not None)
    assert _planner_accepts(text) is (arch is not None)
    expected_cc = parse_arch(text, virtual=True).cc if target_reads_it else None
    assert (_target_reads(text) if text else None) == expected_cc
    if arch is not None:
        assert str(arch) == text and expected_cc == arch.cc


def test_target_of_four_digits_is_refused():
    with pytest.raises(TargetError):
        parse_target("sm_1000", base=HOST)
    with pytest.raises(TargetError):
        parse_target("cc=100.0", base=HOST)
    assert parse_target("cc=10.0", base=HOST).compute_capability == (10, 0)


def test_triton_refuses_a_family_target_clearly():
    data = _manifest_with("sm_100f")
    data["ops"][0]["build"] = {"compiler": "triton", "source": "acme.kernels:relu_kernel",
                               "signature": {"x": "*fp32", "n": "i32", "y": "*fp32"}, "archs": ["sm_90", "sm_100f"]}
    with pytest.raises(PtxBuildError, match=r"'ops\[0\]\.build\.archs'.*cannot build the family target sm_100f; list "
                       r"sm_100 for Triton"):
        plan_builds(parse_manifest(data, "acme", draft=True))
    nvrtc = copy.deepcopy(data)
    nvrtc["ops"][0]["build"] = {"compiler": "nvrtc", "source": "k.cu", "kernel": "k", "archs": ["sm_90", "sm_100f"]}
    (build,) = plan_builds(parse_manifest(nvrtc, "acme", draft=True))
    assert build.archs == ("sm_90", "sm_100f")


def test_architecture_properties():
    arch = parse_arch("sm_100f")
    assert (arch.cc, arch.number, arch.virtual, str(arch.base)) == ((10, 0), 100, "compute_100f", "sm_100")


def test_arch_specific_targets_run_only_on_their_architecture():
    assert runs_on(parse_arch("sm_90a"), (9, 0))
    assert not runs_on(parse_arch("sm_90a"), (10, 0))
    assert runs_on(parse_arch("sm_80"), (9, 0))  # plain PTX is forward compatible
    assert not runs_on(parse_arch("sm_90"), (8, 9))
    assert runs_on(parse_arch("sm_100f"), (10, 3)) and not runs_on(parse_arch("sm_100f"), (12, 0))


def test_selection_prefers_exact_then_newest_compatible():
    shipped = ["sm_80", "sm_86", "sm_89", "sm_90a"]
    assert select_arch(shipped, (9, 0)) == "sm_90a"
    assert select_arch(shipped, (8, 7)) == "sm_86"
    assert select_arch(shipped, (10, 0)) == "sm_89"
    assert select_arch(shipped, (7, 5)) is None
    assert select_arch(["sm_90a"], (10, 0)) is None


def test_what_a_compiler_may_write_for_the_architecture_asked():
    assert target_matches("sm_90", "sm_90") and target_matches("sm_90", "sm_90a")
    assert target_matches("sm_100f", "sm_100f") and not target_matches("sm_100f", "sm_100a")
    assert not target_matches("sm_90a", "sm_90") and not target_matches("sm_90", "sm_80")
    assert not target_matches("sm_90", None) and not target_matches("sm_90", "junk")


def test_driver_to_isa_table():
    assert cuda_version_for_driver(580) == (13, 0)
    assert max_isa_for_cuda((13, 0)) == (9, 0)
    assert max_isa_for_cuda(cuda_version_for_driver(570) or (0, 0)) == (8, 7)
    assert cuda_version_for_driver(400) is None


@pytest.mark.parametrize("spec, driver, isa", [
    (">=570", 570, (8, 7)),
    (">= 570", 570, (8, 7)),
    (">=570,<600", 570, (8, 7)),
    ("==575.*", 575, (8, 8)),
    ("~=580.65", 580, (9, 0)),
    (">560, >=570.124.06", 570, (8, 7)),
    ("===560", 560, (8, 5)),
])
def test_isa_limit_follows_the_oldest_driver_the_specifier_admits(spec: str, driver: int, isa: tuple[int, int]):
    limit = isa_limit_for_driver(spec)
    assert (limit.driver, limit.isa, limit.spec) == (driver, isa, spec)
    assert f"admits driver {driver}" in limit.describe()


@pytest.mark.parametrize("spec, message", [
    (None, "declares no requires.cuda_driver"),
    ("<600", "has no lower bound"),
    ("!=575", "has no lower bound"),
    (">=570,570", "cannot read the clause '570'"),
    (">=v570", "cannot read the clause"),
    (">=400", r"older than any CUDA 11\+ driver"),
])
def test_isa_limit_needs_a_readable_lower_bound(spec: str | None, message: str):
    with pytest.raises(PtxBuildError, match=message):
        isa_limit_for_driver(spec)
