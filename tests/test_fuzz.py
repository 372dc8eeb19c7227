"""Property tests of the parsers that read untrusted text: manifests, specifiers, versions, PTX.

For any input each parser gives either a valid result or the package's own validation error
(:class:`~trt_plugin_hub.ManifestError`, :class:`~trt_plugin_hub._errors.PtxFormatError`,
:class:`~trt_plugin_hub.TargetError`, or a failed :class:`~trt_plugin_hub._versions.SpecCheck`),
never another exception. ``HUB_FUZZ_EXAMPLES`` sets the examples per property (300 by default);
``benchmarks/fuzz_long.py`` runs the same properties with 10,000 each and prints the outcomes.
"""

from __future__ import annotations

import atexit
import copy
import dataclasses
import hashlib
import json
import os
import shutil
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from _support import manifest_oracle
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from trt_plugin_hub._environment import Environment, parse_target
from trt_plugin_hub._errors import LockError, ManifestError, PtxFormatError, TargetError
from trt_plugin_hub._lock import LockedPlugin, read_lock
from trt_plugin_hub._manifest import (
    MAX_MANIFEST_BYTES,
    NOT_BUILT,
    ManifestDraft,
    PluginManifest,
    parse_manifest,
    read_manifest,
)
from trt_plugin_hub._ptx import (
    Arch,
    PtxText,
    parse_arch,
    parse_ptx,
    runs_on,
    safe_package_path,
    select_arch,
)
from trt_plugin_hub._codes import CODES
from trt_plugin_hub._versions import (
    SpecCheck,
    check_specifier,
    parse_version,
    release_at_least,
    release_tuple,
)

EXAMPLES = int(os.environ.get("HUB_FUZZ_EXAMPLES", "300"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)

#: property -> outcome -> count, for the long run's figures.
TALLY: defaultdict[str, Counter[str]] = defaultdict(Counter)


def tally(prop: str, outcome: str) -> None:
    TALLY[prop][outcome] += 1


H100 = Environment(python="3.12.0", tensorrt="10.13.3.9", tensorrt_distribution="tensorrt-cu12", torch="2.9.0",
                   torch_tensorrt="2.9.0", driver="580.65.06", cuda_driver_version=(13, 0),
                   compute_capability=(9, 0), gpu_name="NVIDIA H100")


# ----------------------------------------------------------------------------------------------
# Strategies

json_scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True)
                | st.text(max_size=20))
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=25,
)

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_"
_ALNUM = _LETTERS + "0123456789"
identifiers = st.builds(lambda head, tail: head + tail, st.sampled_from(_LETTERS), st.text(_ALNUM, max_size=12))
namespaces = identifiers.filter(lambda s: s not in {"trt", "tensorrt", "std"})
modules = st.lists(identifiers, min_size=1, max_size=3).map(".".join)
plugin_names = st.builds(lambda a, mid, b: a + mid + b, st.sampled_from(_ALNUM.replace("_", "")),
                         st.text(_ALNUM + ".-", max_size=18), st.sampled_from(["x", "0", "Z"]))
_release = st.lists(st.integers(0, 999), min_size=1, max_size=4).map(lambda parts: ".".join(map(str, parts)))
_pre = st.sampled_from(["", "", "a1", "b2", "rc3", ".dev4", ".post5"])
public_versions = st.builds(lambda release, pre: release + pre, _release, _pre)
versions = st.builds(lambda version, local: version + local, public_versions,
                     st.sampled_from(["", "", "+cu130", "+local.7"]))
#: Specifiers valid by construction (PEP 440: no local label with ordering operators, ~= needs
#: two release parts, ".*" only after == or !=).
specifiers = st.one_of(
    st.builds(lambda op, v: f"{op}{v}", st.sampled_from([">=", "<=", "<", ">", "!=", "=="]), public_versions),
    st.builds(lambda a, b: f"~={a}.{b}", st.integers(0, 99), st.integers(0, 99)),
    st.builds(lambda r: f"=={r}.*", _release),
    st.lists(st.builds(lambda op, v: f"{op}{v}", st.sampled_from([">=", "<", "!="]), public_versions),
             min_size=1, max_size=3).map(",".join),
    st.sampled_from(["", ">=10.9", "==2.9.*", "~=2.9", "<3,>=2.6", "===2.9.0", "==2.9.0+cu130"]),
)
spec_like_text = st.from_regex(r"(\s*(~=|==|!=|<=|>=|<|>|===)?\s*[0-9a-z.*+!_ -]{0,12}\s*,?){0,3}", fullmatch=True)
archs = st.builds(lambda major, minor, suffix: f"sm_{major}{minor}{suffix}",
                  st.integers(1, 12), st.integers(0, 9), st.sampled_from(["", "", "a", "f"]))


@st.composite
def ptx_entries(draw: Any, op_name: str) -> list[dict[str, Any]]:
    chosen = draw(st.lists(archs.filter(lambda a: len(a) <= 8), min_size=1, max_size=3, unique=True))
    return [{"arch": arch, "path": f"ptx/{op_name}.{arch}.ptx", "kernel": draw(identifiers),
             "sha256": hashlib.sha256(draw(st.binary(max_size=8))).hexdigest(),
             "isa": draw(st.sampled_from(["8.5", "8.7", "9.0"])), **draw(build_records)} for arch in chosen]


#: A PTX entry's ``built_from``, as the build writes it, or none (PTX built by hand).
build_records = st.one_of(st.just({}), st.builds(
    lambda compiler, sources, options: {"built_from": {"compiler": compiler, "sources": sources, **options}},
    st.sampled_from(["triton 3.6.0", "nvrtc 12.8"]),
    st.dictionaries(st.sampled_from(["kernels/add.py", "src/k.cu", "k.cuh"]),
                    st.binary(max_size=4).map(lambda b: hashlib.sha256(b).hexdigest()), min_size=1, max_size=2),
    st.one_of(st.just({}),
              st.fixed_dictionaries({"options": st.fixed_dictionaries({"num_warps": st.integers(1, 8)})}))))


@st.composite
def valid_ops(draw: Any) -> dict[str, Any]:
    op_id = f"{draw(namespaces)}::{draw(identifiers)}"
    kind = draw(st.sampled_from(["jit", "aot", "legacy", "kernels"]))
    op: dict[str, Any] = {"id": op_id, "kind": kind, "module": draw(modules)}
    if kind != "kernels" and draw(st.booleans()):  # torch_tensorrt.kernels defines the default overload only
        op["overload"] = draw(identifiers)
    if draw(st.booleans()):
        op["priority"] = draw(st.sampled_from(["standard", "high"]))
    for flag in ("supports_dynamic_shapes", "requires_output_allocator", "use_aot_if_available", "jit_fallback"):
        if draw(st.booleans()):
            op[flag] = draw(st.booleans()) if kind != "kernels" else flag == "use_aot_if_available"
    if draw(st.booleans()):
        op["capability_validator"] = f"{draw(modules)}:{draw(identifiers)}"
    if kind == "legacy":
        op["register"] = f"{draw(modules)}:{draw(identifiers)}"
    if kind in ("aot", "kernels"):
        op["ptx"] = draw(ptx_entries(op_id.split("::")[1]))
        extras = ["numel", "attr:alpha"] if kind == "aot" else ["numel"]
        op["launch"] = {"block_threads": draw(st.integers(1, 1024)),
                        "elements_per_block": draw(st.integers(1, 1 << 16)),
                        "extras": draw(st.lists(st.sampled_from(extras), max_size=2))}
    if kind == "kernels":
        attrs = draw(st.lists(st.sampled_from(["int", "float", "bool", "str"]), max_size=2))
        outputs = draw(st.integers(1, 2))
        op["schema"] = ("(Tensor x" + "".join(f", {t} a{i}" for i, t in enumerate(attrs)) + ") -> "
                        + ("Tensor" if outputs == 1 else "(Tensor, Tensor)"))
        op["meta"] = f"{draw(modules)}:{draw(identifiers)}"
        for role in ("eager", "aot"):
            if draw(st.booleans()):
                op[role] = f"{draw(modules)}:{draw(identifiers)}"
        if draw(st.booleans()):
            op["formats"] = [{"types": ", ".join(["FP32|FP16"] * (1 + outputs))}]
    return op


@st.composite
def valid_manifests(draw: Any) -> dict[str, Any]:
    ops = draw(st.lists(valid_ops(), min_size=1, max_size=4,
                        unique_by=lambda op: (op["id"], op.get("overload") or "default")))
    data: dict[str, Any] = {"schema_version": 1,
                            "name": draw(plugin_names),
                            "ops": ops}
    if draw(st.booleans()):
        data["description"] = draw(st.text(max_size=30))
    requires: dict[str, Any] = {}
    for key in ("tensorrt", "torch", "torch_tensorrt", "python", "cuda_driver"):
        if draw(st.booleans()):
            requires[key] = draw(specifiers)
    if draw(st.booleans()):
        low, high = sorted(draw(st.lists(st.tuples(st.integers(1, 12), st.integers(0, 9)), min_size=2, max_size=2)))
        requires["compute_capability"] = {"min": f"{low[0]}.{low[1]}", "max": f"{high[0]}.{high[1]}"}
    if requires:
        data["requires"] = requires
    if draw(st.booleans()):
        data["x-" + draw(identifiers)] = draw(json_values)
    return data


@st.composite
def mutated_manifests(draw: Any) -> Any:
    """A valid manifest with one to three random edits at random depths."""
    data = draw(valid_manifests())
    for _ in range(draw(st.integers(1, 3))):
        path = _random_path(draw, data)
        container, key = path
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "replace":
            container[key] = draw(json_values)
        elif action == "delete" and isinstance(container, dict):
            container.pop(key, None)
        elif isinstance(container, dict):
            container[draw(st.text(max_size=10))] = draw(json_values)
        elif isinstance(container, list):
            container.insert(key, draw(json_values))
    return data


def _random_path(draw: Any, data: Any) -> tuple[Any, Any]:
    container: Any = data
    while True:
        keys = list(container) if isinstance(container, dict) else list(range(len(container)))
        if not keys:
            return container, 0 if isinstance(container, list) else "x"
        key = draw(st.sampled_from(keys))
        child = container[key]
        if isinstance(child, (dict, list)) and child and draw(st.booleans()):
            container = child
            continue
        return container, key


# ----------------------------------------------------------------------------------------------
# Manifests


def _check_manifest(prop: str, data: Any) -> PluginManifest | None:
    try:
        result = parse_manifest(data, "fuzz-pkg")
    except ManifestError as exc:
        assert exc.code in CODES and CODES[exc.code][0] == "rejected"
        assert str(exc).startswith("fuzz-pkg") and "expected" in str(exc)
        tally(prop, f"ManifestError {exc.code}")
        return None
    assert isinstance(result, PluginManifest)
    tally(prop, "valid")
    return result


@FUZZ
@given(json_values)
def test_manifest_reader_gives_a_manifest_or_its_own_error_for_any_json_value(data: Any):
    _check_manifest("manifest: any JSON value", data)


@FUZZ
@given(mutated_manifests())
def test_manifest_reader_gives_a_manifest_or_its_own_error_for_edited_valid_manifests(data: Any):
    _check_manifest("manifest: edited valid manifests", data)


@FUZZ
@given(valid_manifests())
def test_valid_manifests_are_read_back_field_for_field(data: dict[str, Any]):
    manifest = _check_manifest("manifest: valid round trip", json.loads(json.dumps(data)))
    assert manifest is not None
    assert manifest.name == data["name"] and manifest.schema_version == 1
    assert [op.id for op in manifest.ops] == [op["id"] for op in data["ops"]]
    assert [op.kind for op in manifest.ops] == [op["kind"] for op in data["ops"]]
    for op, raw in zip(manifest.ops, data["ops"]):
        assert op.overload_name == (raw.get("overload") or "default")
        assert [(a.arch, a.path, a.sha256) for a in op.ptx] == [(p["arch"], p["path"], p["sha256"])
                                                                 for p in raw.get("ptx", [])]
        assert (op.schema, op.meta, op.eager, op.aot) == tuple(raw.get(k) for k in ("schema", "meta", "eager", "aot"))
        assert op.formats == tuple((f["types"], "LINEAR") for f in raw.get("formats", []))
    assert manifest.requires.specifiers() == {k: v for k, v in data.get("requires", {}).items()
                                              if k != "compute_capability" and v}


_SCRATCH = Path(tempfile.mkdtemp(prefix="hub-fuzz-"))
atexit.register(shutil.rmtree, _SCRATCH, True)

manifest_bytes = st.one_of(
    st.binary(max_size=300),
    mutated_manifests().map(lambda d: json.dumps(d).encode()),
    valid_manifests().map(lambda d: json.dumps(d, ensure_ascii=False).encode("utf-8")),
    valid_manifests().map(lambda d: json.dumps(d, ensure_ascii=False).encode("utf-16")),
    st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
)


@FUZZ
@given(manifest_bytes)
@example(b"[" * 100_000 + b"]" * 100_000)
@example(b'{"schema_version": 1, "name": "a", "ops": ' + b"[" * 5000 + b"]" * 5000 + b"}")
@example(b"\xef\xbb\xbf{}")
@example(b" " * (MAX_MANIFEST_BYTES + 1))
def test_manifest_file_reader_gives_a_manifest_or_its_own_error_for_any_bytes(raw: bytes):
    path = _SCRATCH / "trt_plugin.json"
    path.write_bytes(raw)
    try:
        manifest = read_manifest(path, "fuzz-pkg")
    except ManifestError as exc:
        assert exc.code in CODES
        tally("manifest: file bytes", f"ManifestError {exc.code}")
        return
    assert manifest.sha256 == hashlib.sha256(raw).hexdigest()
    tally("manifest: file bytes", "valid")


# ----------------------------------------------------------------------------------------------
# Manifests: the strict reader against its regression oracle, and draft mode against strict mode


def _outcome(read: Callable[[], Any]) -> tuple[Any, ...]:
    """What a reader did: the manifest as plain data, or the error's code, field, expectation and text."""
    try:
        manifest = read()
    except ManifestError as exc:
        return ("error", exc.code, exc.field, exc.expected, repr(exc.found), str(exc), type(exc.__cause__).__name__)
    data = _plain(manifest)
    data.pop("extensions", None)
    for op in data["ops"]:
        op.pop("extensions", None)
        op.pop("recipe", None)
    return ("manifest", repr(data))


def _plain(value: Any) -> Any:
    """``dataclasses.asdict``, also through the read-only mappings a manifest holds (a build's options)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(item) for item in value)
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    return value


def _compare_with_oracle(prop: str, data: Any) -> None:
    new = _outcome(lambda: parse_manifest(copy.deepcopy(data), "fuzz-pkg"))
    assert new == _outcome(lambda: manifest_oracle.parse_manifest(copy.deepcopy(data), "fuzz-pkg"))
    _compare_draft(new, parse_manifest(copy.deepcopy(data), "fuzz-pkg", draft=True))
    tally(prop, new[1] if new[0] == "error" else "same manifest")


def _compare_draft(strict: tuple[Any, ...], draft: ManifestDraft) -> None:
    """Draft mode's first error is strict mode's error; where strict mode reads a manifest, so does
    draft mode, unless a build section (which strict mode keeps opaque) has errors.
    """
    if strict[0] == "error":
        assert draft.errors and _outcome(lambda: _raise(draft.errors[0])) == strict
        assert draft.manifest is None or all(e.rule == NOT_BUILT for e in draft.errors)
        return
    assert all(e.rule.startswith("build.") for e in draft.errors), draft.errors
    if not draft.errors:
        assert _outcome(lambda: draft.manifest) == strict


def _raise(error: ManifestError) -> Any:
    raise error


def _schema_errors(data: Any) -> list[str]:
    """What the shipped JSON Schema of trt_plugin.json says of ``data``."""
    global _SCHEMA_VALIDATOR  # noqa: PLW0603 - built once, on first use
    if _SCHEMA_VALIDATOR is None:
        import jsonschema

        from trt_plugin_hub._manifest.schema import json_schema

        _SCHEMA_VALIDATOR = jsonschema.Draft202012Validator(json_schema())
    return [error.message for error in _SCHEMA_VALIDATOR.iter_errors(data)]


_SCHEMA_VALIDATOR: Any = None


@FUZZ
@given(st.one_of(valid_manifests(), mutated_manifests()))
def test_the_json_schema_accepts_every_manifest_the_reader_accepts(data: Any):
    # Draft mode: it also reads an aot op's build section, which the schema describes.
    draft = parse_manifest(copy.deepcopy(data), "fuzz-pkg", draft=True)
    if draft.problems:
        tally("json schema vs reader", "reader rejects")
        return
    assert _schema_errors(data) == []
    tally("json schema vs reader", "both accept")


@FUZZ
@given(json_values)
def test_strict_reader_gives_the_oracle_s_first_error_for_any_json_value(data: Any):
    _compare_with_oracle("manifest oracle: any JSON value", data)


@FUZZ
@given(mutated_manifests())
def test_strict_reader_gives_the_oracle_s_first_error_for_edited_valid_manifests(data: Any):
    _compare_with_oracle("manifest oracle: edited valid manifests", data)


@FUZZ
@given(valid_manifests())
def test_strict_reader_reads_the_oracle_s_manifest_from_valid_manifests(data: Any):
    _compare_with_oracle("manifest oracle: valid manifests", json.loads(json.dumps(data)))


@FUZZ
@given(manifest_bytes)
@example(b"[" * 100_000 + b"]" * 100_000)
@example(b'{"schema_version": 1, "name": "a", "ops": [], "name": "b"}')
@example(b" " * (MAX_MANIFEST_BYTES + 1))
def test_strict_file_reader_gives_the_oracle_s_result_for_any_bytes(raw: bytes):
    path = _SCRATCH / "oracle" / "trt_plugin.json"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(raw)
    new = _outcome(lambda: read_manifest(path, "fuzz-pkg"))
    assert new == _outcome(lambda: manifest_oracle.read_manifest(path, "fuzz-pkg"))
    _compare_draft(new, read_manifest(path, "fuzz-pkg", draft=True))
    tally("manifest oracle: file bytes", new[1] if new[0] == "error" else "same manifest")


# ----------------------------------------------------------------------------------------------
# Specifiers and versions


@FUZZ
@given(st.one_of(st.text(max_size=40), spec_like_text, specifiers), st.one_of(st.none(), st.text(max_size=20), versions),
       st.booleans())
def test_specifier_check_gives_a_verdict_and_a_sentence_for_any_text(spec: str, installed: str | None,
                                                                     prereleases: bool):
    result = check_specifier(spec, installed, prereleases=prereleases)
    assert isinstance(result, SpecCheck) and isinstance(result.satisfied, bool) and result.detail
    tally("specifier: check", "satisfied" if result.satisfied else
          ("invalid specifier" if "not valid PEP 440" in result.detail else "not satisfied"))


@FUZZ
@given(st.one_of(st.text(max_size=40), spec_like_text, specifiers), versions)
def test_specifiers_the_manifest_accepts_can_always_be_checked(spec: str, installed: str):
    data = {"schema_version": 1, "name": "fuzz", "requires": {"torch": spec},
            "ops": [{"id": "fuzz::op", "kind": "jit", "module": "fuzz.qdp"}]}
    try:
        parse_manifest(data, "fuzz-pkg")
    except ManifestError as exc:
        assert exc.field == "requires.torch"
        tally("specifier: manifest", "ManifestError")
        return
    result = check_specifier(spec, installed, prereleases=True)
    assert "not valid PEP 440" not in result.detail
    tally("specifier: manifest", "accepted and checkable")


@FUZZ
@given(st.one_of(st.text(max_size=30), versions), st.tuples(st.integers(0, 20), st.integers(0, 20)))
def test_version_helpers_never_raise(text: str, minimum: tuple[int, int]):
    version = parse_version(text)
    release = release_tuple(text, 2)
    assert (version is None) == (release is None)
    assert release_at_least(text, minimum) == (release is not None and release >= minimum)
    tally("versions", "parsed" if version is not None else "None")


# ----------------------------------------------------------------------------------------------
# PTX headers, architectures, targets


ptx_lines = st.one_of(
    st.builds(lambda a, b: f".version {a}.{b}", st.integers(0, 12), st.integers(0, 12)),
    st.builds(lambda arch, opts: f".target {arch}{opts}", st.one_of(archs, st.text(max_size=8)),
              st.sampled_from(["", ", debug", ",texmode_independent"])),
    st.sampled_from([".address_size 64", ".address_size 32", "//", "", "{", "}", "\tret;", ")"]),
    st.builds(lambda name, params: f".visible .entry {name}(\n" + ",\n".join(params) + "\n)",
              identifiers, st.lists(st.sampled_from(["\t.param .u64 p", "\t.param .u32 n", "\t.param .f32 x",
                                                      "\t.param .u64 .ptr .global .align 1 q", "\t.param .b8 x[4]",
                                                      "\t.param junk"]), max_size=4)),
    st.text(alphabet=st.characters(codec="ascii"), max_size=30),
)
ptx_documents = st.lists(ptx_lines, max_size=10).map("\n".join)


def _check_ptx(prop: str, data: bytes | str) -> PtxText | None:
    try:
        header = parse_ptx(data)
    except PtxFormatError:
        tally(prop, "PtxFormatError")
        return None
    assert isinstance(header, PtxText)
    parse_arch(header.target)  # what the parser accepted is a readable architecture
    tally(prop, "header")
    return header


@FUZZ
@given(st.one_of(st.binary(max_size=400), st.text(max_size=400)))
def test_ptx_parser_gives_a_header_or_its_own_error_for_any_input(data: bytes | str):
    _check_ptx("ptx: any bytes or text", data)


@FUZZ
@given(ptx_documents, st.booleans())
def test_ptx_parser_reads_the_first_version_and_target_of_ptx_like_text(text: str, as_bytes: bool):
    header = _check_ptx("ptx: PTX-like text", text.encode("utf-8") if as_bytes else text)
    if header is not None:
        first_version = next(line for line in text.splitlines() if line.strip().startswith(".version"))
        assert header.isa_text == first_version.split()[1]
        for entry in header.entries:
            assert all(p.ptx_type.startswith(".") for p in entry.params)


@FUZZ
@given(st.one_of(st.text(max_size=12), archs, st.builds(lambda a: a.replace("sm_", "compute_"), archs)))
def test_arch_parser_round_trips_or_raises_its_own_error(text: str):
    try:
        arch = parse_arch(text, virtual=True)
    except PtxFormatError:
        tally("ptx: architecture", "PtxFormatError")
        return
    assert isinstance(arch, Arch)
    assert parse_arch(str(arch)) == arch
    tally("ptx: architecture", "Arch")


@FUZZ
@given(st.lists(st.one_of(archs, st.text(max_size=8)), max_size=6), st.tuples(st.integers(1, 12), st.integers(0, 9)))
def test_ptx_selection_only_ever_picks_a_declared_file_that_runs_on_the_gpu(names: list[str], cc: tuple[int, int]):
    chosen = select_arch(names, cc)
    if chosen is None:
        runnable = []
        for name in names:
            try:
                runnable.append(runs_on(parse_arch(name), cc))
            except PtxFormatError:
                pass
        assert not any(runnable)
        tally("ptx: selection", "none runs")
        return
    assert chosen in names and runs_on(parse_arch(chosen), cc)
    tally("ptx: selection", "chosen")


@FUZZ
@given(st.one_of(st.text(max_size=40),
                 st.lists(st.one_of(archs, st.builds(lambda k, v: f"{k}={v}",
                                                     st.sampled_from(["trt", "tt", "torch", "driver", "cc", "python",
                                                                      "gpu", "bogus"]),
                                                     st.one_of(versions, st.text(max_size=6)))),
                          max_size=4).map(", ".join)))
def test_target_parser_gives_an_environment_or_its_own_error(text: str):
    try:
        env = parse_target(text, base=H100)
    except TargetError:
        tally("target", "TargetError")
        return
    assert isinstance(env, Environment) and env.is_target
    tally("target", "Environment")


# ----------------------------------------------------------------------------------------------
# PTX paths


_PACKAGE = _SCRATCH / "site" / "pkg"
(_PACKAGE / "ptx").mkdir(parents=True, exist_ok=True)
(_PACKAGE / "ptx" / "k.ptx").write_bytes(b"")
(_SCRATCH / "site" / "other.ptx").write_bytes(b"")
if not (_PACKAGE / "ptx" / "out").exists():
    (_PACKAGE / "ptx" / "out").symlink_to(_SCRATCH / "site", target_is_directory=True)

path_parts = st.sampled_from(["..", ".", "ptx", "k.ptx", "out", "other.ptx", "", "pkg", "~", "a b"])


@FUZZ
@given(st.one_of(st.lists(path_parts, min_size=1, max_size=6).map("/".join),
                 st.lists(path_parts, min_size=1, max_size=4).map(lambda p: "/" + "/".join(p)),
                 st.text(max_size=30)))
def test_ptx_paths_the_manifest_accepts_resolve_inside_the_package_or_not_at_all(relative: str):
    if not relative or "\\" in relative or "\x00" in relative:
        tally("ptx: path", "refused by the manifest reader")
        return  # the manifest reader refuses these before any path is built
    resolved = safe_package_path(_PACKAGE, relative)
    if resolved is None:
        tally("ptx: path", "escapes")
        return
    resolved.relative_to(_PACKAGE.resolve())  # raises if outside
    tally("ptx: path", "inside")


# ----------------------------------------------------------------------------------------------
# Lock files


lock_entries = st.one_of(
    json_values,
    st.fixed_dictionaries({"name": json_values, "distribution": json_values, "version": json_values,
                           "manifest_sha256": json_values, "ptx": json_values}),
    st.fixed_dictionaries({"name": plugin_names, "distribution": plugin_names, "version": versions,
                           "manifest_sha256": st.text("0123456789abcdef", min_size=64, max_size=64),
                           "ptx": st.dictionaries(st.text(max_size=12), st.text(max_size=64), max_size=3)}),
)
lock_documents = st.one_of(
    json_values.map(json.dumps),
    st.lists(lock_entries, max_size=4).map(lambda plugins: json.dumps({"schema": 1, "plugins": plugins})),
    st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
)


@FUZZ
@given(lock_documents)
@example("[" * 100_000 + "]" * 100_000)
@example('{"schema": 1, "plugins": [{"name": "a", "distribution": "a", "version": "1", '
         '"manifest_sha256": "0", "ptx": [[1, 2, 3]]}]}')
def test_lock_reader_gives_entries_or_its_own_error_for_any_file(text: str):
    path = _SCRATCH / "plugins.lock"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        locked = read_lock(path)
    except LockError:
        tally("lock: file", "LockError")
        return
    assert all(isinstance(entry, LockedPlugin) for entry in locked.values())
    tally("lock: file", "entries")
