"""Bad (and good) plugin packages for the reliability tests, and the site directories holding them.

Every case is a real installed distribution: a ``.dist-info`` folder written the way an installer
writes it, or a wheel built from a setuptools project and installed with pip. A case names the
distribution whose report it is about, the code the hub must give it, the status it must end in
and words the sentence must contain. :func:`build_site` lays every case down beside one good
plugin, so one interpreter can load them all; TensorRT and Torch-TensorRT are the real upstream
Python layers, put after the site on ``sys.path`` (the ``upstream_paths`` fixture).
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _support.dists import jit_op, qdp_module
from _support.manifests import aot_op, ptx_text, sha256
from _support.plugins import (
    ENTRY_POINT_GROUP,
    GOOD_PACKAGE,
    Dist,
    dist_name,
    good_plugin,
    install,
    package_name,
    plugin,
)


@dataclass(frozen=True)
class Case:
    """A bad plugin installed beside the good one, and what the hub must say about it."""

    key: str
    code: str
    status: str
    words: tuple[str, ...]
    make: Callable[[Path], list[Dist]]
    #: Distributions installed with the case that must activate (a conflict's winner...).
    companions: tuple[str, ...] = ()
    #: Strict mode is expected to name it; a string explains a known gap instead.
    strict_gap: str | None = None

    @property
    def dist(self) -> str:
        return dist_name(self.key)

    @property
    def package(self) -> str:
        return package_name(self.key)

    @property
    def names(self) -> tuple[str, ...]:
        """Names strict mode may use for the plugin: manifest name, else entry point name."""
        return (self.dist, self.package)


CASES: list[Case] = []


def case(key: str, code: str, status: str, *words: str, companions: Sequence[str] = (),
         strict_gap: str | None = None) -> Callable[[Callable[[Path], list[Dist]]], Callable[[Path], list[Dist]]]:
    def register(make: Callable[[Path], list[Dist]]) -> Callable[[Path], list[Dist]]:
        CASES.append(Case(key, code, status, tuple(words), make, tuple(companions), strict_gap))
        return make

    return register


def _ns(key: str) -> str:
    return f"case_{key}"


def _simple(key: str, **kwargs: Any) -> list[Dist]:
    """A JIT plugin with a working module: whatever is wrong comes from ``kwargs``."""
    op = f"{_ns(key)}::op"
    kwargs.setdefault("modules", {"qdp": qdp_module([op])})
    ops = kwargs.pop("ops", [jit_op(op, f"{package_name(key)}.qdp")])
    return [plugin(key, ops, **kwargs)]


def _manifest_with(key: str, **top: Any) -> str:
    data: dict[str, Any] = {"schema_version": 1, "name": dist_name(key),
                            "ops": [jit_op(f"{_ns(key)}::op", f"{package_name(key)}.qdp")]}
    data.update(top)
    return json.dumps(data, ensure_ascii=False)


# -- entry points ------------------------------------------------------------------------------


@case("entry_point_missing_module", "ENTRY_POINT_NOT_FOUND", "rejected", "case_entry_point_missing_module")
def _(site: Path) -> list[Dist]:
    # The distribution is installed but the package it names is not (a broken or partial install).
    return [Dist(dist_name("entry_point_missing_module"), None, entry_value="case_entry_point_missing_module")]


@case("entry_point_missing_attribute", "ENTRY_POINT_NOT_FOUND", "rejected", "case_gone_package")
def _(site: Path) -> list[Dist]:
    return [Dist(dist_name("entry_point_missing_attribute"), None, entry_value="case_gone_package:plugin")]


@case("entry_point_attribute_of_plain_module", "ENTRY_POINT_NOT_FOUND", "rejected", "case_plain_module")
def _(site: Path) -> list[Dist]:
    # `module:attr` on a single-file module: there is no package directory to hold a manifest.
    return [Dist(dist_name("entry_point_attribute_of_plain_module"), None,
                 {"case_plain_module.py": "raise RuntimeError('a plain module must never be executed')\n"},
                 entry_value="case_plain_module:missing_attribute")]


@case("entry_point_invalid_value", "ENTRY_POINT_INVALID", "rejected", "not a package path")
def _(site: Path) -> list[Dist]:
    return [Dist(dist_name("entry_point_invalid_value"), None, entry_value="not a module!")]


# -- manifests ---------------------------------------------------------------------------------


@case("manifest_missing", "MANIFEST_MISSING", "rejected", "trt_plugin.json")
def _(site: Path) -> list[Dist]:
    return [plugin("manifest_missing", modules={"qdp": qdp_module(["case_manifest_missing::op"])})]


def _manifest_directory(site: Path) -> None:
    path = site / package_name("manifest_unreadable") / "trt_plugin.json"
    path.unlink(missing_ok=True)
    path.mkdir()


@case("manifest_unreadable", "MANIFEST_UNREADABLE", "rejected", "readable file")
def _(site: Path) -> list[Dist]:
    # A directory where the file should be: it exists, but reading it raises OSError.
    return [plugin("manifest_unreadable", manifest_text="{}", after=_manifest_directory)]


@case("manifest_not_utf8", "MANIFEST_UNREADABLE", "rejected", "UTF-8")
def _(site: Path) -> list[Dist]:
    text = _manifest_with("manifest_not_utf8", description="caf\u00e9")
    return [plugin("manifest_not_utf8", manifest_text=text.encode("latin-1"))]


@case("manifest_not_json", "MANIFEST_INVALID", "rejected", "valid JSON")
def _(site: Path) -> list[Dist]:
    return [plugin("manifest_not_json", manifest_text='{"schema_version": 1, "name": ', wheel=True)]


@case("manifest_wrong_type", "MANIFEST_INVALID", "rejected", "a JSON object")
def _(site: Path) -> list[Dist]:
    return [plugin("manifest_wrong_type", manifest_text='["schema_version", 1]')]


@case("manifest_field_wrong_type", "MANIFEST_INVALID", "rejected", "ops[0].priority", "one of standard, high")
def _(site: Path) -> list[Dist]:
    op = jit_op(f"{_ns('manifest_field_wrong_type')}::op", f"{package_name('manifest_field_wrong_type')}.qdp",
                priority=1)
    return [plugin("manifest_field_wrong_type", [op])]


@case("manifest_schema_unknown", "MANIFEST_SCHEMA_UNSUPPORTED", "rejected", "schema_version", "upgrade")
def _(site: Path) -> list[Dist]:
    return [plugin("manifest_schema_unknown", manifest_text=_manifest_with("manifest_schema_unknown",
                                                                             schema_version=2))]


@case("manifest_unknown_field", "MANIFEST_INVALID", "rejected", "colour", "x-")
def _(site: Path) -> list[Dist]:
    return [plugin("manifest_unknown_field", manifest_text=_manifest_with("manifest_unknown_field", colour="red"))]


@case("manifest_huge", "MANIFEST_UNREADABLE", "rejected", "bytes")
def _(site: Path) -> list[Dist]:
    # Valid JSON, valid schema (an 'x-' extension field), but far over the size limit.
    text = _manifest_with("manifest_huge", **{"x-padding": "x" * (1 << 20)})
    return [plugin("manifest_huge", manifest_text=text)]


# -- op ids ------------------------------------------------------------------------------------


def _bad_id(key: str, op_id: str) -> list[Dist]:
    return [plugin(key, [jit_op(op_id, f"{package_name(key)}.qdp")])]


@case("op_id_malformed", "MANIFEST_INVALID", "rejected", "ops[0].id", "namespace::name")
def _(site: Path) -> list[Dist]:
    return _bad_id("op_id_malformed", "relu_without_namespace")


@case("op_id_reserved_namespace", "MANIFEST_INVALID", "rejected", "reserved", "tensorrt::relu")
def _(site: Path) -> list[Dist]:
    return _bad_id("op_id_reserved_namespace", "tensorrt::relu")


@case("op_id_dot_in_name", "MANIFEST_INVALID", "rejected", "'.'", "case_dot::re.lu")
def _(site: Path) -> list[Dist]:
    return _bad_id("op_id_dot_in_name", "case_dot::re.lu")


@case("op_declared_twice", "MANIFEST_INVALID", "rejected", "declared once", "ops[0]")
def _(site: Path) -> list[Dist]:
    op = jit_op(f"{_ns('op_declared_twice')}::op", f"{package_name('op_declared_twice')}.qdp")
    return [plugin("op_declared_twice", [op, dict(op, priority="high")],
                   modules={"qdp": qdp_module([op["id"]])})]


@case("specifier_unparseable", "MANIFEST_INVALID", "rejected", "requires.torch", "PEP 440")
def _(site: Path) -> list[Dist]:
    return _simple("specifier_unparseable", requires={"torch": "~=2"})


# -- the defining module -----------------------------------------------------------------------


@case("reserved_attribute_name", "IMPORT_FAILED", "failed", "ValueError", "'stream'")
def _(site: Path) -> list[Dist]:
    op = f"{_ns('reserved_attribute_name')}::op"
    source = textwrap.dedent(f'''
        import torch
        import tensorrt.plugin as trtp

        @torch.library.custom_op({op!r}, mutates_args=())
        def _op(x: torch.Tensor, stream: int) -> torch.Tensor:
            return x.clone()

        @trtp.register({op!r})
        def _(x: trtp.TensorDesc, stream: int) -> tuple[trtp.TensorDesc]:
            return x.like()
    ''')
    return _simple("reserved_attribute_name", modules={"qdp": source})


@case("import_raises_import_error", "IMPORT_FAILED", "failed", "ModuleNotFoundError",
      "case_dependency_not_installed")
def _(site: Path) -> list[Dist]:
    return _simple("import_raises_import_error", wheel=True,
                   modules={"qdp": "import case_dependency_not_installed\n"})


@case("import_raises_exception", "IMPORT_FAILED", "failed", "RuntimeError", "plugin module exploded")
def _(site: Path) -> list[Dist]:
    return _simple("import_raises_exception", modules={"qdp": "raise RuntimeError('plugin module exploded')\n"})


@case("import_raises_system_exit", "IMPORT_FAILED", "failed", "SystemExit")
def _(site: Path) -> list[Dist]:
    return _simple("import_raises_system_exit", modules={"qdp": "import sys\nsys.exit(3)\n"})


@case("op_not_defined", "OP_NOT_DEFINED", "failed", "torch.ops.case_op_not_defined.op.default")
def _(site: Path) -> list[Dist]:
    return _simple("op_not_defined", modules={"qdp": "# declares an op, defines nothing\n"})


@case("qdp_not_registered", "QDP_NOT_REGISTERED", "failed", "@trtp.register")
def _(site: Path) -> list[Dist]:
    op = f"{_ns('qdp_not_registered')}::op"
    source = textwrap.dedent(f'''
        import torch

        @torch.library.custom_op({op!r}, mutates_args=())
        def _op(x: torch.Tensor) -> torch.Tensor:
            return x.clone()
    ''')
    return _simple("qdp_not_registered", modules={"qdp": source})


@case("aot_impl_missing", "QDP_NOT_REGISTERED", "failed", "aot_impl")
def _(site: Path) -> list[Dist]:
    key = "aot_impl_missing"
    files: dict[str, str | bytes] = {}
    op = aot_op(f"{_ns(key)}::op", f"{package_name(key)}.qdp", files, package=package_name(key))
    return [plugin(key, [op], files=files, modules={"qdp": qdp_module([op["id"]])})]


@case("undeclared_op", "UNDECLARED_OP", "active", "case_undeclared_op::extra", "does not declare")
def _(site: Path) -> list[Dist]:
    key = "undeclared_op"
    declared, extra = f"{_ns(key)}::op", f"{_ns(key)}::extra"
    return [plugin(key, [jit_op(declared, f"{package_name(key)}.qdp")], wheel=True,
                   modules={"qdp": qdp_module([declared, extra])})]


@case("validator_unresolved", "VALIDATOR_UNRESOLVED", "failed", "no_such_validator", "does not resolve")
def _(site: Path) -> list[Dist]:
    key = "validator_unresolved"
    op = jit_op(f"{_ns(key)}::op", f"{package_name(key)}.qdp",
                capability_validator=f"{package_name(key)}.qdp:no_such_validator")
    return _simple(key, ops=[op])


@case("validator_not_callable", "VALIDATOR_UNRESOLVED", "failed", "NOT_A_FUNCTION", "callable")
def _(site: Path) -> list[Dist]:
    key = "validator_not_callable"
    op = jit_op(f"{_ns(key)}::op", f"{package_name(key)}.qdp",
                capability_validator=f"{package_name(key)}.qdp:NOT_A_FUNCTION")
    return _simple(key, ops=[op], modules={"qdp": qdp_module([op["id"]], extra="NOT_A_FUNCTION = 42\n")})


@case("legacy_register_raises", "LEGACY_REGISTER_FAILED", "failed", "register()", "legacy registration broke")
def _(site: Path) -> list[Dist]:
    key = "legacy_register_raises"
    op = {"id": f"{_ns(key)}::op", "kind": "legacy", "module": f"{package_name(key)}.conv",
          "register": f"{package_name(key)}.conv:register"}
    source = "def register():\n    raise RuntimeError('legacy registration broke')\n"
    return [plugin(key, [op], modules={"conv": source})]


# -- PTX ---------------------------------------------------------------------------------------


def _aot_case(key: str, *, archs: Sequence[str] = ("sm_90",), isa: str = "8.7",
              contents: Mapping[str, bytes] | None = None, edit: Callable[[dict[str, Any]], None] | None = None,
              extra_files: Mapping[str, str | bytes] | None = None, wheel: bool = False,
              after: Callable[[Path], None] | None = None, drop: Sequence[str] = ()) -> list[Dist]:
    files: dict[str, str | bytes] = {}
    package = package_name(key)
    op = aot_op(f"{_ns(key)}::op", f"{package}.qdp", files, package=package, archs=archs, isa=isa, contents=contents)
    for relative in drop:
        files.pop(f"{package}/{relative}")
    if edit is not None:
        edit(op)
    files.update(extra_files or {})
    # The module would work: a rejected PTX must stop the op before any of this code runs.
    module = qdp_module([op["id"]], aot=[op["id"]], extra="import sys\nsys.modules[__name__].RAN = True\n")
    return [plugin(key, [op], files=files, modules={"qdp": module}, wheel=wheel, after=after)]


@case("ptx_missing", "PTX_MISSING", "rejected", "ptx/op.sm_90.ptx", "not in the package")
def _(site: Path) -> list[Dist]:
    return _aot_case("ptx_missing", drop=["ptx/op.sm_90.ptx"])


@case("ptx_empty", "PTX_INVALID", "rejected", "empty")
def _(site: Path) -> list[Dist]:
    def record_empty(op: dict[str, Any]) -> None:
        op["ptx"][0]["sha256"] = sha256(b"")  # the hash is right: the file itself is unusable

    return _aot_case("ptx_empty", contents={"sm_90": b""}, edit=record_empty)


def _tamper(site: Path) -> None:
    path = site / package_name("ptx_hash_mismatch") / "ptx" / "op.sm_90.ptx"
    path.write_bytes(path.read_bytes().replace(b"ret;", b"trap;\n\tret;"))


@case("ptx_hash_mismatch", "PTX_HASH_MISMATCH", "rejected", "ptx/op.sm_90.ptx", "altered")
def _(site: Path) -> list[Dist]:
    # Installed from a wheel, then altered on disk (the RECORD and manifest keep the old hash).
    return _aot_case("ptx_hash_mismatch", wheel=True, after=_tamper)


def _escaping(key: str, path: str) -> list[Dist]:
    """An op whose PTX path points at a valid file with the recorded hash: only the location is wrong."""
    def edit(op: dict[str, Any]) -> None:
        op["ptx"][0]["path"] = path

    return _aot_case(key, drop=["ptx/op.sm_90.ptx"], edit=edit)


def _outside_file(site: Path) -> Path:
    path = site / "case_outside" / "stray.sm_90.ptx"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(ptx_text("sm_90"))
    return path


@case("ptx_path_dotdot", "PTX_PATH_ESCAPES", "rejected", "../case_outside/stray.sm_90.ptx", "outside the package")
def _(site: Path) -> list[Dist]:
    _outside_file(site)
    return _escaping("ptx_path_dotdot", "../case_outside/stray.sm_90.ptx")


@case("ptx_path_absolute", "PTX_PATH_ESCAPES", "rejected", "stray.sm_90.ptx", "outside the package")
def _(site: Path) -> list[Dist]:
    outside = _outside_file(site)
    return _escaping("ptx_path_absolute", str(outside))


@case("ptx_path_into_other_package", "PTX_PATH_ESCAPES", "rejected", "outside the package")
def _(site: Path) -> list[Dist]:
    # Borrowing another plugin's (valid, hashed) PTX is refused too: paths stay in the own package.
    return _escaping("ptx_path_into_other_package", f"../{GOOD_PACKAGE}/ptx/scale.sm_90.ptx")


def _symlink_file(site: Path) -> None:
    outside = _outside_file(site)
    link = site / package_name("ptx_symlink") / "ptx" / "op.sm_90.ptx"
    link.parent.mkdir(parents=True, exist_ok=True)
    link.unlink(missing_ok=True)
    link.symlink_to(outside)


@case("ptx_symlink", "PTX_PATH_ESCAPES", "rejected", "ptx/op.sm_90.ptx", "outside the package")
def _(site: Path) -> list[Dist]:
    return _aot_case("ptx_symlink", drop=["ptx/op.sm_90.ptx"], after=_symlink_file)


def _symlink_dir(site: Path) -> None:
    outside = _outside_file(site).parent
    link = site / package_name("ptx_symlink_directory") / "ptx"
    link.symlink_to(outside, target_is_directory=True)


@case("ptx_symlink_directory", "PTX_PATH_ESCAPES", "rejected", "outside the package")
def _(site: Path) -> list[Dist]:
    def edit(op: dict[str, Any]) -> None:
        op["ptx"][0]["path"] = "ptx/stray.sm_90.ptx"

    return _aot_case("ptx_symlink_directory", drop=["ptx/op.sm_90.ptx"], edit=edit, after=_symlink_dir)


@case("ptx_wrong_target", "PTX_TARGET_MISMATCH", "rejected", ".target sm_80", "sm_90")
def _(site: Path) -> list[Dist]:
    data = ptx_text("sm_80")

    def record(op: dict[str, Any]) -> None:
        op["ptx"][0]["sha256"] = sha256(data)

    return _aot_case("ptx_wrong_target", contents={"sm_90": data}, edit=record)


@case("ptx_isa_too_new", "PTX_ISA_TOO_NEW", "rejected", "ISA 9.5", "580", "9.0")
def _(site: Path) -> list[Dist]:
    return _aot_case("ptx_isa_too_new", isa="9.5")


@case("ptx_no_match", "PTX_NO_MATCH", "rejected", "sm_90", "sm_100a")
def _(site: Path) -> list[Dist]:
    return _aot_case("ptx_no_match", archs=("sm_100a",))


@case("ptx_kernel_missing", "PTX_INVALID", "rejected", "no kernel", "scale_kernel")
def _(site: Path) -> list[Dist]:
    data = ptx_text("sm_90", kernel="other_kernel")

    def record(op: dict[str, Any]) -> None:
        op["ptx"][0]["sha256"] = sha256(data)

    return _aot_case("ptx_kernel_missing", contents={"sm_90": data}, edit=record)


# -- between plugins ---------------------------------------------------------------------------


@case("conflict_same_priority", "CONFLICT_LOST", "rejected", "case-conflict-a-winner", "tie",
      "TRT_PLUGIN_HUB_PREFER", companions=("case-conflict-a-winner",))
def _(site: Path) -> list[Dist]:
    op = "case_shared::op"
    winner = plugin("conflict_a_winner", [jit_op(op, "case_conflict_a_winner.qdp")],
                    modules={"qdp": qdp_module([op])})
    # The loser's module would register the same QDP id a second time: it must never be imported.
    loser = plugin("conflict_same_priority", [jit_op(op, "case_conflict_same_priority.qdp")],
                   modules={"qdp": qdp_module([op])})
    return [winner, loser]


# Both sides lose and both are named: no tie is broken by a name an author picks.
@case("duplicate_plugin_name", "DUPLICATE_PLUGIN", "rejected", "case-dup-name", "case-duplicate-a-first",
      "case-duplicate-plugin-name", "TRT_PLUGIN_HUB_DENY")
def _(site: Path) -> list[Dist]:
    first = plugin("duplicate_a_first", [jit_op("case_dup_first::op", "case_duplicate_a_first.qdp")],
                   modules={"qdp": qdp_module(["case_dup_first::op"])}, name="case-dup-name")
    second = plugin("duplicate_plugin_name", [jit_op("case_dup_second::op", "case_duplicate_plugin_name.qdp")],
                    modules={"qdp": qdp_module(["case_dup_second::op"])}, name="case-dup-name")
    return [first, second]


# -- isolation and trust -----------------------------------------------------------------------


@case("legacy_register_system_exit", "LEGACY_REGISTER_FAILED", "failed", "register()", "SystemExit")
def _(site: Path) -> list[Dist]:
    # Called outside the import step: SystemExit there must not end the user's process either.
    key = "legacy_register_system_exit"
    op = {"id": f"{_ns(key)}::op", "kind": "legacy", "module": f"{package_name(key)}.conv",
          "register": f"{package_name(key)}.conv:register"}
    source = "import torch\n\n@torch.library.custom_op('case_legacy_register_system_exit::op', mutates_args=())\n" \
             "def op(x: torch.Tensor) -> torch.Tensor:\n    return x.clone()\n\n" \
             "def register():\n    raise SystemExit(7)\n"
    return [plugin(key, [op], modules={"conv": source})]


UNPRINTABLE = """
class Unprintable(Exception):
    def __str__(self):
        raise RuntimeError("__str__ of a plugin exception exploded")
    def __repr__(self):
        raise RuntimeError("__repr__ too")
raise Unprintable()
"""


@case("exception_str_raises", "IMPORT_FAILED", "failed", "Unprintable", "str() and repr() both failed")
def _(site: Path) -> list[Dist]:
    return _simple("exception_str_raises", modules={"qdp": UNPRINTABLE})


#: How long the plugin's exception message is (several megabytes); the report keeps 2,000 characters.
HUGE_MESSAGE_CHARS = 5_000_000


@case("exception_message_huge", "IMPORT_FAILED", "failed", "RuntimeError", "more characters")
def _(site: Path) -> list[Dist]:
    return _simple("exception_message_huge", modules={"qdp": f"raise RuntimeError('m' * {HUGE_MESSAGE_CHARS})\n"})


@case("op_in_pytorch_namespace", "OP_NAMESPACE_RESERVED", "rejected", "aten::relu", "PyTorch",
      "TRT_PLUGIN_HUB_ALLOW_OPS")
def _(site: Path) -> list[Dist]:
    # High priority would put its converter in front of Torch-TensorRT's own for a core op.
    key = "op_in_pytorch_namespace"
    module = "import tensorrt.plugin as trtp\nRAN = True\n"
    return [plugin(key, [jit_op("aten::relu", f"{package_name(key)}.qdp", priority="high")],
                   modules={"qdp": module})]


@case("op_already_defined", "OP_ALREADY_DEFINED", "rejected", "case_taken::op", "TRT_PLUGIN_HUB_ALLOW_OPS",
      companions=("case-aa-predefiner",))
def _(site: Path) -> list[Dist]:
    # Another package (activated earlier: its entry point sorts first) defines case_taken::op as a
    # plain torch op; this plugin declares that op as its own, at high priority.
    extra = textwrap.dedent('''
        @torch.library.custom_op("case_taken::op", mutates_args=())
        def _taken(x: torch.Tensor) -> torch.Tensor:
            return x.clone()
    ''')
    definer = plugin("aa_predefiner", [jit_op("case_aa_predefiner::op", "case_aa_predefiner.qdp")],
                     modules={"qdp": qdp_module(["case_aa_predefiner::op"], extra=extra)})
    taker = plugin("op_already_defined", [jit_op("case_taken::op", "case_op_already_defined.qdp", priority="high")],
                   modules={"qdp": "import tensorrt.plugin as trtp\nRAN = True\n"})
    return [definer, taker]


@case("entry_point_foreign", "ENTRY_POINT_FOREIGN", "rejected", "case-entry-point-foreign", GOOD_PACKAGE,
      "does not install")
def _(site: Path) -> list[Dist]:
    # A squatter advertising the good plugin's package: its own RECORD lists none of it.
    return [Dist(dist_name("entry_point_foreign"), None, {"case_squatter/__init__.py": ""},
                 entry_value=GOOD_PACKAGE, version="99.0")]


@case("manifest_duplicate_key", "MANIFEST_INVALID", "rejected", "'name'", "each key once")
def _(site: Path) -> list[Dist]:
    text = _manifest_with("manifest_duplicate_key")
    text = text.replace('"name": ', '"name": "case-manifest-duplicate-key", "name": ', 1)
    return [plugin("manifest_duplicate_key", manifest_text=text)]


@case("op_id_too_long", "MANIFEST_INVALID", "rejected", "ops[0].id", "at most 200 characters")
def _(site: Path) -> list[Dist]:
    return _bad_id("op_id_too_long", "case_long::" + "x" * 300)


def _break_entry_points(key: str) -> Callable[[Path], None]:
    def edit(site: Path) -> None:
        info = next(site.glob(f"{dist_name(key).replace('-', '_')}-*.dist-info"))
        (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\nthis line has no equals sign\n")
    return edit


def malformed_metadata_dists() -> list[Dist]:
    """A plugin whose entry_points.txt does not parse, and an unrelated distribution's broken one.

    Kept out of the shared site: a malformed entry_points.txt anywhere makes ``import torch`` itself
    fail (PyTorch reads every distribution's entry points to autoload its backends), so these are
    tested where the hub runs without importing torch (``list``, ``report()``, ``load()``).
    """
    def break_unrelated(site: Path) -> None:
        info = next(site.glob("case_unrelated_broken_metadata-*.dist-info"))
        (info / "entry_points.txt").write_text("[console_scripts]\nno equals sign here\n")

    unrelated = Dist("case-unrelated-broken-metadata", None, {"case_unrelated/__init__.py": ""},
                     after=break_unrelated)
    broken = plugin("entry_points_malformed", manifest_text=_manifest_with("entry_points_malformed"),
                    after=_break_entry_points("entry_points_malformed"))
    return [broken, unrelated]


@case("undeclared_op_in_other_namespace", "UNDECLARED_OP", "active", "case_zz_victim::op", "removed",
      companions=("case-zz-victim",))
def _(site: Path) -> list[Dist]:
    # Activated before its victim (its entry point sorts first), it registers the victim's QDP id.
    key = "undeclared_op_in_other_namespace"
    own = f"{_ns(key)}::op"
    extra = textwrap.dedent('''
        @trtp.register("case_zz_victim::op")
        def _stolen(x: trtp.TensorDesc) -> Tuple[trtp.TensorDesc]:
            return (x.like(),)
    ''')
    intruder = plugin(key, [jit_op(own, f"{package_name(key)}.qdp")], modules={"qdp": qdp_module([own], extra=extra)})
    victim = plugin("zz_victim", [jit_op("case_zz_victim::op", "case_zz_victim.qdp")],
                    modules={"qdp": qdp_module(["case_zz_victim::op"])})
    return [intruder, victim]


# -- requirements ------------------------------------------------------------------------------


@case("requirement_unmet", "REQUIREMENT_UNMET", "rejected", "torch", ">=99", "2.")
def _(site: Path) -> list[Dist]:
    return _simple("requirement_unmet", requires={"torch": ">=99"})


@case("compute_capability_unsupported", "COMPUTE_CAPABILITY_UNSUPPORTED", "rejected", "10.0", "9.0")
def _(site: Path) -> list[Dist]:
    return _simple("compute_capability_unsupported", requires={"compute_capability": {"min": "10.0"}})


def validator_raising_plugin() -> Dist:
    """An active plugin whose capability validator raises when Torch-TensorRT calls it."""
    key = "validator_raises"
    op = jit_op(f"{_ns(key)}::op", f"{package_name(key)}.qdp",
                capability_validator=f"{package_name(key)}.qdp:validate")
    extra = "def validate(node, settings):\n    raise SystemExit('a validator must not end the process')\n"
    return _simple(key, ops=[op], modules={"qdp": qdp_module([op["id"]], extra=extra)})[0]


#: The one plugin whose module raises KeyboardInterrupt (kept out of the shared site: it
#: interrupts the whole load, by design).
def keyboard_interrupt_plugin() -> Dist:
    return _simple("keyboard_interrupt", modules={"qdp": "raise KeyboardInterrupt\n"})[0]


def build_site(root: Path, cases: Sequence[Case] = tuple(CASES), *, extra: Sequence[Dist] = (),
               good: bool = True) -> Path:
    """A site directory with the good plugin and every case; returns it."""
    site = root / "site"
    dists: list[Dist] = [good_plugin()] if good else []
    for item in cases:
        dists.extend(item.make(site))
    dists.extend(extra)
    names = [d.name for d in dists]
    assert len(names) == len(set(names)), "two cases install the same distribution"
    install(site, dists, root / "work")
    return site

