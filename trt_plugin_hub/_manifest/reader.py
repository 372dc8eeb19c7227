"""The one manifest reader: strict for installed plugins, draft for packages being written and built.

Strict mode (discovery, ``verify``) raises the first :class:`~trt_plugin_hub.ManifestError`; it never
raises anything else for any JSON value or file. Draft mode (the build, ``validate``) collects every
error, skipping only the part that failed so one broken op does not hide the next (like
``packaging.metadata``), accepts AOT ops whose PTX is not built yet, and reads each AOT op's
``build`` section into a typed recipe.

Each object's fields are one table of :class:`Field` (name, JSON type, required, default,
constraint, doc) that the reader walks in order; a JSON schema of ``trt_plugin.json`` can be
generated from the same tables (:data:`TABLES`), so the two cannot drift.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from dataclasses import field as _field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, overload

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from trt_plugin_hub._errors import ManifestError
from trt_plugin_hub._launch import LaunchSpec
from trt_plugin_hub._launch.checks import (
    DERIVED_LAUNCH_KEYS,
    EXTRA_PATTERN,
    LAUNCH_BOUNDS,
    LAUNCH_KEYS,
    launch_problems,
    launch_spec,
    triton_geometry,
)
from trt_plugin_hub._ptx import ARCH, BuildRecord, PtxArtifact

from .model import (
    MAX_DESCRIPTION_CHARS,
    MAX_FIELD_CHARS,
    MAX_MANIFEST_BYTES,
    REQUIREMENT_KEYS,
    RESERVED_NAMESPACES,
    SUPPORTED_SCHEMA_VERSIONS,
    CapabilityRange,
    OpKind,
    OpSpec,
    PluginManifest,
    Priority,
    Requirements,
)
from .recipes import COMPILERS, Recipe, read_recipe
from .signature import parse_signature

__all__ = [
    "IDENT",
    "MODULE",
    "NOT_BUILT",
    "TABLES",
    "Field",
    "ManifestDraft",
    "from_trusted_form",
    "op_id_problem",
    "parse_manifest",
    "read_manifest",
    "trusted_form",
]

IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
MODULE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*\Z")
_PLUGIN_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?\Z")
_SHA256 = re.compile(r"[0-9a-f]{64}\Z")
_ISA = re.compile(r"\d+\.\d+\Z")
_CC = re.compile(r"\d+\.\d\Z")
_REFERENCE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*:[A-Za-z_][A-Za-z0-9_]*\Z")

#: The rule of the one error draft mode accepts: an AOT op whose PTX the build has not written yet.
NOT_BUILT = "op.ptx.not_built"
#: The kinds whose PTX the build writes and the hub chooses per GPU.
_PREBUILT = tuple(kind.value for kind in OpKind if kind.prebuilt)


# ----------------------------------------------------------------------------------------------
# The collector


class _Collector:
    """Where the getters report: raise at once (strict) or record and go on (draft)."""

    def __init__(self, package: str, *, draft: bool) -> None:
        self.package = package
        self.draft = draft
        self.errors: list[ManifestError] = []
        self.op_id: str | None = None  # the op being read, named in its errors

    def __call__(self, field: str, expected: str, found: object = None, *, rule: str,
                 code: str = "MANIFEST_INVALID", cause: BaseException | None = None) -> None:
        error = ManifestError(self.package, field, expected, found, code=code, rule=rule, op_id=self.op_id)
        if not self.draft:
            if cause is not None:  # callers tell a missing file apart by it
                raise error from cause
            raise error
        error.__cause__ = cause
        self.errors.append(error)

    def mark(self) -> int:
        """A point to ask :meth:`clean_since` about."""
        return len(self.errors)

    def clean_since(self, mark: int) -> bool:
        """Whether nothing was reported since ``mark``."""
        return len(self.errors) == mark


# ----------------------------------------------------------------------------------------------
# Fields

Getter = Callable[["Field", _Collector, Mapping[str, Any], str, dict[str, Any]], Any]


@dataclass(frozen=True)
class Field:
    """One field of a manifest object: its schema, and the getter that reads and checks it.

    ``json_type`` is the JSON-schema type; ``expected`` what an error says was expected;
    ``pattern`` a constraint on a string (``pattern_expected`` the error's phrase for it);
    ``choices`` the values allowed; ``max_chars`` the longest string; ``fields`` the table of the
    object it holds (or of each object of the list it holds); ``kinds`` the op kinds the field is
    allowed on (empty: every kind), and ``kind_required`` whether those kinds must have it;
    ``schema`` JSON-schema keywords for what the getter checks in code (bounds, item formats).
    ``get`` reads the value from the object, given the values of the fields read before it.
    """

    name: str
    json_type: str
    doc: str
    get: Getter
    required: bool = False
    default: Any = None
    expected: str = ""
    pattern: re.Pattern[str] | None = None
    pattern_expected: str = ""
    choices: tuple[str, ...] = ()
    max_chars: int | None = None
    fields: tuple[Field, ...] = ()
    kinds: tuple[str, ...] = ()
    kind_required: bool = False
    schema: Mapping[str, Any] = _field(default_factory=dict)


def _at(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _rule(where: str, key: str) -> str:
    """``ops[2].ptx[0]`` + ``arch`` -> ``ptx.arch``: the object kind, not its position."""
    kind = re.sub(r"\[\d+\]", "", where).rpartition(".")[2] or "plugin"
    return f"{_OBJECTS.get(kind, kind)}.{key}"


_OBJECTS = {"ops": "op", "ptx": "ptx", "launch": "launch", "requires": "requires",
            "compute_capability": "requires.compute_capability", "built_from": "ptx.built_from",
            "formats": "format"}


def _object(c: _Collector, value: object, where: str) -> Mapping[str, Any] | None:
    if not isinstance(value, dict):
        c(where, "a JSON object", value, rule=_rule(where, "object") if where else "plugin.object")
        return None
    return value


def _no_unknown(c: _Collector, obj: Mapping[str, Any], where: str, known: set[str] | frozenset[str]) -> None:
    for key in obj:
        if key not in known and not key.startswith("x-"):
            # ``$schema`` (for editors) is accepted but not listed: the listing names the data fields.
            listed = ", ".join(sorted(k for k in known if not k.startswith("$")))
            c(_at(where, key), f"only known fields ({listed}) or 'x-' extensions", key,
              rule=_rule(where, "unknown_field"))


def _extensions(obj: Mapping[str, Any]) -> dict[str, Any]:
    """The object's ``x-`` keys and their values, as read."""
    return {key: value for key, value in obj.items() if key.startswith("x-")}


def _text(f: Field, c: _Collector, obj: Mapping[str, Any], where: str, _values: dict[str, Any]) -> str:
    """A string: non-empty when required, at most ``max_chars``, matching ``pattern``."""
    default = None if f.required else f.default
    value = obj.get(f.name, default)
    at = _at(where, f.name)
    if not isinstance(value, str) or (default is None and not value):
        c(at, "a non-empty string", value, rule=_rule(where, f.name))
        return ""
    limit = f.max_chars or MAX_FIELD_CHARS
    if len(value) > limit:
        c(at, f"at most {limit} characters", f"{len(value)} characters", rule=_rule(where, f.name))
        return ""
    if f.pattern is not None and not f.pattern.match(value):
        c(at, f.pattern_expected, value, rule=_rule(where, f.name))
        return ""
    return value


def _flag(f: Field, c: _Collector, obj: Mapping[str, Any], where: str, _values: dict[str, Any]) -> bool:
    value = obj.get(f.name, f.default)
    if not isinstance(value, bool):
        c(f"{where}.{f.name}", "true or false", value, rule=_rule(where, f.name))
        return bool(f.default)
    return value


def _choice(f: Field, c: _Collector, obj: Mapping[str, Any], where: str, _values: dict[str, Any]) -> str | None:
    value = obj.get(f.name, f.default)
    if value not in f.choices:
        c(f"{where}.{f.name}", f"one of {', '.join(f.choices)}", value, rule=_rule(where, f.name))
        return None
    return str(value)


def _reference(f: Field, c: _Collector, obj: Mapping[str, Any], where: str, _values: dict[str, Any]) -> str | None:
    """``module:function``, or ``None`` when absent."""
    value = obj.get(f.name)
    if value is None:
        return None
    at = f"{where}.{f.name}"
    if not isinstance(value, str) or value.count(":") != 1 or len(value) > MAX_FIELD_CHARS:
        c(at, f"'module:function' of at most {MAX_FIELD_CHARS} characters", value, rule=_rule(where, f.name))
        return None
    module, attr = value.split(":")
    if not MODULE.match(module) or not IDENT.match(attr):
        c(at, "'module:function'", value, rule=_rule(where, f.name))
        return None
    return value


def _specifier(f: Field, c: _Collector, obj: Mapping[str, Any], where: str, _values: dict[str, Any]) -> str | None:
    if f.name not in obj:
        return None
    spec = obj[f.name]
    if not isinstance(spec, str):
        c(f"{where}.{f.name}", f.expected, spec, rule=_rule(where, f.name))
        return None
    if _valid_specifier(spec):
        return spec
    try:
        SpecifierSet(spec)
    except InvalidSpecifier as exc:
        c(f"{where}.{f.name}", f.expected, spec, rule=_rule(where, f.name), cause=exc)
        return None
    return spec  # pragma: no cover - _valid_specifier said otherwise


@lru_cache(maxsize=256)
def _valid_specifier(spec: str) -> bool:
    """Whether ``spec`` parses; once per process for each text (plugins repeat the same few)."""
    try:
        SpecifierSet(spec)
    except InvalidSpecifier:
        return False
    return True


def _capability(f: Field, c: _Collector, obj: Mapping[str, Any], where: str,
                _values: dict[str, Any]) -> tuple[int, int] | None:
    if f.name not in obj:
        return None
    value = obj[f.name]
    text = value if isinstance(value, str) else None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        text = f"{float(value):.1f}"
    if text is None or not _CC.match(text):
        c(f"{where}.{f.name}", f.expected, value, rule=_rule(where, f.name))
        return None
    major, minor = text.split(".")
    return int(major), int(minor)


def _overload(f: Field, c: _Collector, obj: Mapping[str, Any], where: str, _values: dict[str, Any]) -> str | None:
    value = obj.get(f.name)
    if value is not None and (not isinstance(value, str) or not IDENT.match(value) or len(value) > MAX_FIELD_CHARS):
        c(f"{where}.{f.name}", f.expected, value, rule=_rule(where, f.name))
        return None
    return value


# ----------------------------------------------------------------------------------------------
# Op ids


#: What each op-id rule expects (the errors' phrase).
_OP_ID_RULES = {
    "op.id.format": "an op id 'namespace::name'",
    "op.id.dot": "no '.' in the namespace or name (TensorRT QDP rule)",
    "op.id.reserved_namespace": f"a namespace other than the reserved {sorted(RESERVED_NAMESPACES)}",
    "op.id.identifier": "identifiers on both sides of '::'",
}


def op_id_problem(op_id: str) -> str | None:
    """The rule of TensorRT's QDP naming an op id breaks, or ``None``.

    Checked in this order: ``op.id.format`` (not ``namespace::name``), ``op.id.dot`` (a ``.`` in
    either part), ``op.id.reserved_namespace``, ``op.id.identifier``.
    """
    if op_id.count("::") != 1:
        return "op.id.format"
    namespace, name = op_id.split("::")
    if "." in namespace or "." in name:
        return "op.id.dot"
    if namespace in RESERVED_NAMESPACES:
        return "op.id.reserved_namespace"
    if not IDENT.match(namespace) or not IDENT.match(name):
        return "op.id.identifier"
    return None


def _op_id(f: Field, c: _Collector, obj: Mapping[str, Any], where: str, values: dict[str, Any]) -> str:
    op_id = _text(f, c, obj, where, values)
    if op_id and (rule := op_id_problem(op_id)) is not None:
        c(f"{where}.id", _OP_ID_RULES[rule], op_id, rule=rule)
    return op_id


# ----------------------------------------------------------------------------------------------
# Nested objects and lists


def _read_fields(c: _Collector, obj: Mapping[str, Any], where: str, table: tuple[Field, ...]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for f in table:
        values[f.name] = f.get(f, c, obj, where, values)
    return values


def _requirements(f: Field, c: _Collector, obj: Mapping[str, Any], where: str,
                  _values: dict[str, Any]) -> Requirements | None:
    at = _at(where, f.name)
    mark = c.mark()
    req = _object(c, obj.get(f.name, {}), at)
    if req is None:
        return None
    _no_unknown(c, req, at, {*REQUIREMENT_KEYS, "compute_capability"})
    read = _read_fields(c, req, at, f.fields)
    specifiers = {key: read[key] for key in REQUIREMENT_KEYS if key in req and read[key] is not None}
    if "compute_capability" in req:
        specifiers["compute_capability"] = read["compute_capability"]
    return Requirements(**specifiers) if c.clean_since(mark) else None


def _capability_range(f: Field, c: _Collector, obj: Mapping[str, Any], where: str,
                      _values: dict[str, Any]) -> CapabilityRange | None:
    if f.name not in obj:
        return None
    at = f"{where}.{f.name}"
    mark = c.mark()
    cc = _object(c, obj[f.name], at)
    if cc is None:
        return None
    _no_unknown(c, cc, at, {"min", "max"})
    read = _read_fields(c, cc, at, f.fields)
    low, high = read["min"], read["max"]
    if low and high and low > high:
        c(at, "min <= max", cc, rule="requires.compute_capability.order")
    return CapabilityRange(low, high) if c.clean_since(mark) else None


def _ptx_list(f: Field, c: _Collector, obj: Mapping[str, Any], where: str,
              values: dict[str, Any]) -> tuple[PtxArtifact, ...] | None:
    if f.name not in obj:
        return ()
    at = f"{where}.{f.name}"
    kind = values.get("kind")
    if kind is not None and kind not in f.kinds:
        c(at, "PTX files only on aot and kernels ops", kind, rule="op.ptx.kind")
        return None
    data = obj[f.name]
    if not isinstance(data, list):
        c(at, "a list of PTX file objects", data, rule="op.ptx")
        return None
    mark = c.mark()
    result = []
    seen: set[str] = set()
    for index, item in enumerate(data):
        item_at = f"{at}[{index}]"
        entry = _object(c, item, item_at)
        if entry is None:
            continue
        item_mark = c.mark()
        _no_unknown(c, entry, item_at, {field.name for field in f.fields})
        read: dict[str, Any] = {}
        for field in f.fields:
            read[field.name] = field.get(field, c, entry, item_at, read)
            if field.name == "arch" and read["arch"]:
                if read["arch"] in seen:
                    c(f"{item_at}.arch", "one PTX file per architecture", read["arch"], rule="ptx.arch.duplicate")
                seen.add(read["arch"])
        if c.clean_since(item_mark):
            result.append(PtxArtifact(**read))
    return tuple(result) if c.clean_since(mark) else None


def _ptx_path(f: Field, c: _Collector, obj: Mapping[str, Any], where: str, values: dict[str, Any]) -> str:
    path = _text(f, c, obj, where, values)
    if path and ("\\" in path or "\x00" in path):
        c(f"{where}.path", f.pattern_expected, path, rule="ptx.path")
        return ""
    return path


def _isa(f: Field, c: _Collector, obj: Mapping[str, Any], where: str, _values: dict[str, Any]) -> str | None:
    isa = obj.get(f.name)
    if isa is not None and (not isinstance(isa, str) or not _ISA.match(isa)):
        c(f"{where}.{f.name}", f.expected, isa, rule="ptx.isa")
        return None
    return isa


def _aot_only(f: Field, c: _Collector, where: str, values: dict[str, Any]) -> bool:
    """Whether the op may hold field ``f`` (present): only aot and kernels ops have a ``build`` or ``launch``."""
    kind = values.get("kind")
    if kind is not None and kind not in f.kinds:
        c(f"{where}.{f.name}", f"a {f.name} section only on aot and kernels ops (a {kind} op has no kernel the hub "
          "builds or launches): remove it, or declare the op aot", kind, rule=f"op.{f.name}.kind")
        return False
    return True


def _built_from(f: Field, c: _Collector, obj: Mapping[str, Any], where: str,
                _values: dict[str, Any]) -> BuildRecord | None:
    """What the build compiled the file from; ``None`` when absent (PTX built by hand or by an older hub)."""
    if obj.get(f.name) is None:
        return None
    at = f"{where}.{f.name}"
    record = _object(c, obj[f.name], at)
    if record is None:
        return None
    mark = c.mark()
    _no_unknown(c, record, at, {field.name for field in f.fields})
    read = _read_fields(c, record, at, f.fields)
    return BuildRecord(compiler=read["compiler"], sources=read["sources"], options=MappingProxyType(read["options"])) \
        if c.clean_since(mark) else None


def _source_hashes(f: Field, c: _Collector, obj: Mapping[str, Any], where: str,
                   _values: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    value = obj.get(f.name)
    at = f"{where}.{f.name}"
    if not isinstance(value, dict) or not all(
            isinstance(path, str) and path and "\\" not in path and not path.startswith("/")
            and len(path) <= MAX_FIELD_CHARS and isinstance(digest, str) and _SHA256.match(digest)
            for path, digest in value.items()):
        c(at, f.expected, value, rule=_rule(where, f.name))
        return ()
    return tuple(value.items())


def _options(f: Field, c: _Collector, obj: Mapping[str, Any], where: str, _values: dict[str, Any]) -> dict[str, Any]:
    value = obj.get(f.name, {})
    if not isinstance(value, dict):
        c(f"{where}.{f.name}", "a JSON object", value, rule=_rule(where, f.name))
        return {}
    return value


def _launch(f: Field, c: _Collector, obj: Mapping[str, Any], where: str,
            values: dict[str, Any]) -> LaunchSpec | None:
    if f.name not in obj or not _aot_only(f, c, where, values):
        return None
    at = f"{where}.{f.name}"
    section = _object(c, obj[f.name], at)
    if section is None:
        return None
    build = obj.get("build")
    if c.draft and isinstance(build, dict) and build.get("compiler") == "triton":
        # Draft mode (the build, validate): the geometry a Triton build fixes need not be written;
        # the build writes it into the manifest it installs.
        section = {**triton_geometry(build.get("num_warps", 4), build.get("constexprs", {})), **section}
    mark = c.mark()
    _no_unknown(c, section, at, LAUNCH_KEYS)
    for problem in launch_problems(section):
        c(f"{at}.{problem.key}", problem.expected, problem.found, rule=f"launch.{problem.key}")
    return launch_spec(section) if c.clean_since(mark) else None


def _build(f: Field, c: _Collector, obj: Mapping[str, Any], where: str,
           values: dict[str, Any]) -> Mapping[str, Any] | None:
    if f.name in obj and not _aot_only(f, c, where, values):
        return None
    build = obj.get(f.name)
    if build is not None and not isinstance(build, dict):
        c(f"{where}.{f.name}", "an object", build, rule="op.build")
        return None
    return build


def _a(kind: object) -> str:
    """``an aot``, ``a jit``: the kind with its article."""
    return f"an {kind}" if str(kind)[:1] in "aeiou" else f"a {kind}"


def _kernels_only(f: Field, c: _Collector, obj: Mapping[str, Any], where: str, values: dict[str, Any]) -> bool:
    """Whether a kernels-only field may be read: present on another kind of op is an error."""
    kind = values.get("kind")
    if kind == "kernels" or obj.get(f.name) is None:
        return kind == "kernels"
    if kind is not None:
        c(f"{where}.{f.name}", f"no {f.name!r} on {_a(kind)} op (it belongs to kernels ops)", obj.get(f.name),
          rule="op.kernels.field")
    return False


def _op_schema(f: Field, c: _Collector, obj: Mapping[str, Any], where: str, values: dict[str, Any]) -> str | None:
    """A kernels op's torch schema, ``(Tensor x, float scale) -> Tensor``: required, and in QDP's grammar."""
    if not _kernels_only(f, c, obj, where, values) or obj.get(f.name) is None:
        return None  # a missing schema is _kernels_rule's to report
    text = _text(f, c, obj, where, values)
    if not text:
        return None
    try:
        parse_signature(text)
    except ValueError as exc:
        c(f"{where}.{f.name}", f.expected, f"{text} ({exc})", rule="op.schema", cause=exc)
        return None
    return text


def _kernels_reference(f: Field, c: _Collector, obj: Mapping[str, Any], where: str,
                       values: dict[str, Any]) -> str | None:
    """A kernels op's ``module:function`` (``_kernels_rule`` requires ``meta``)."""
    if not _kernels_only(f, c, obj, where, values):
        return None
    return _reference(f, c, obj, where, values)


_IO_SPEC = re.compile(r"[A-Z][A-Z0-9_]*(?:([|*])[A-Z][A-Z0-9_]*(?:\1[A-Z][A-Z0-9_]*)*)?\Z")


def _io_specs(text: str) -> list[str] | None:
    """``"FP32|FP16, FP32|FP16"`` -> one spec per I/O, or ``None`` when one is not TensorRT's grammar."""
    specs = [part.strip() for part in text.split(",")]
    return specs if all(_IO_SPEC.match(spec) for spec in specs) else None


def _formats(f: Field, c: _Collector, obj: Mapping[str, Any], where: str,
             values: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """A kernels op's format combinations: ``[{"types": "FP32, FP32", "layouts": "LINEAR"}, ...]``."""
    if not _kernels_only(f, c, obj, where, values) or obj.get(f.name) is None:
        return ()
    at = f"{where}.{f.name}"
    data = obj[f.name]
    if not isinstance(data, list) or not data:
        c(at, "a non-empty list of {\"types\", \"layouts\"} objects", data, rule="op.formats")
        return ()
    result = []
    for index, item in enumerate(data):
        item_at = f"{at}[{index}]"
        entry = _object(c, item, item_at)
        if entry is None:
            continue
        _no_unknown(c, entry, item_at, {"types", "layouts"})
        pair = []
        for key, default in (("types", None), ("layouts", "LINEAR")):
            text = entry.get(key, default)
            if not isinstance(text, str) or _io_specs(text) is None:
                c(f"{item_at}.{key}", "comma-separated TensorRT names per input and output, such as 'FP32|FP16, "
                  "FP32|FP16' ('|' for dependent choices, '*' for independent ones)", text, rule=f"format.{key}")
                break
            pair.append(text)
        if len(pair) == len(("types", "layouts")):
            result.append((pair[0], pair[1]))
    return tuple(result)


def _no_getter(_f: Field, _c: _Collector, _obj: Mapping[str, Any], _where: str, _values: dict[str, Any]) -> None:
    """A field read by its object's own code (the ops list)."""


# ----------------------------------------------------------------------------------------------
# The tables

_SPEC = "a PEP 440 specifier string such as '>=10.9'"
_CC_EXPECTED = "a compute capability such as '8.0'"

CAPABILITY_FIELDS: tuple[Field, ...] = (
    Field("min", "string|number", "The oldest compute capability, such as \"8.0\".", _capability,
          expected=_CC_EXPECTED, pattern=_CC),
    Field("max", "string|number", "The newest compute capability, such as \"12.0\".", _capability,
          expected=_CC_EXPECTED, pattern=_CC),
)

REQUIRES_FIELDS: tuple[Field, ...] = (
    *(Field(key, "string", f"PEP 440 specifier the installed {key} must satisfy.", _specifier, expected=_SPEC)
      for key in REQUIREMENT_KEYS[:4]),
    Field("cuda_driver", "string", "PEP 440 specifier of the NVIDIA driver branch, such as \">=570\".", _specifier,
          expected=_SPEC),
    Field("compute_capability", "object", "The GPUs the plugin supports (inclusive).", _capability_range,
          fields=CAPABILITY_FIELDS),
)

BUILT_FROM_FIELDS: tuple[Field, ...] = (
    Field("compiler", "string", "The compiler and its version, such as \"triton 3.6.0\" or \"nvrtc 12.8\".", _text,
          required=True),
    Field("sources", "object", "sha256 of each file the kernel was compiled from, by path relative to the package.",
          _source_hashes, required=True,
          expected="an object of package-relative '/'-separated paths and their sha256 (64 lowercase hex digits)"),
    Field("options", "object", "The build options that shaped the PTX (num_warps, signature, constexprs; NVRTC "
          "kernel and options).", _options, default={}),
)

PTX_FIELDS: tuple[Field, ...] = (
    Field("arch", "string", "The architecture the file was built for: sm_80, sm_90a, sm_100f.", _text,
          required=True, pattern=ARCH, pattern_expected="an architecture such as 'sm_80' or 'sm_90a'"),
    Field("path", "string", "The file, relative to the package ('/'-separated, inside it).", _ptx_path,
          required=True, pattern_expected="a relative '/'-separated path inside the package",
          schema={"not": {"pattern": "[\\\\\u0000]"}}),
    Field("kernel", "string", "The kernel's .entry name.", _text, required=True, pattern=IDENT,
          pattern_expected="the kernel's entry name (an identifier)"),
    Field("sha256", "string", "sha256 of the file.", _text, required=True, pattern=_SHA256,
          pattern_expected="64 lowercase hex digits"),
    Field("isa", "string|null", "The file's PTX ISA version, such as \"8.7\".", _isa,
          expected="a PTX ISA version such as '8.7'", pattern=_ISA),
    Field("built_from", "object|null", "What the build compiled the file from (written by the build); validate "
          "rejects the file once a source changed.", _built_from, fields=BUILT_FROM_FIELDS),
)

LAUNCH_FIELDS: tuple[Field, ...] = (
    # The geometry a Triton build derives (DERIVED_LAUNCH_KEYS) may be left to the build, which writes
    # it into the manifest it ships; the reader's strict mode still requires it there.
    *(Field(name, "integer", f"From {low} to {high}." + (
                " Written by the build for a Triton op." if name in DERIVED_LAUNCH_KEYS else ""),
            _no_getter, required=default is None and name not in DERIVED_LAUNCH_KEYS, default=default,
            schema={"minimum": low, "maximum": high})
      for name, low, high, default in LAUNCH_BOUNDS),
    Field("extras", "array", "The int32 arguments after the input pointers: \"numel\" or \"attr:NAME\".",
          _no_getter, default=(), schema={"items": {"type": "string", "pattern": EXTRA_PATTERN}}),
)

FORMAT_FIELDS: tuple[Field, ...] = (
    Field("types", "string", "One data type spec per input, then per output: 'FP32, FP32' or 'FP32|FP16, FP32|FP16'.",
          _no_getter, required=True),
    Field("layouts", "string", "One layout spec for all I/O or one per I/O, such as 'LINEAR'.", _no_getter,
          default="LINEAR"),
)

OP_FIELDS: tuple[Field, ...] = (
    Field("id", "string", "The op: 'namespace::name', as torch and TensorRT's QDP know it.", _op_id, required=True,
          schema={"pattern": r"^[A-Za-z_][A-Za-z0-9_]*::[A-Za-z_][A-Za-z0-9_]*$",
                  "not": {"pattern": f"^({'|'.join(sorted(RESERVED_NAMESPACES))})::"}}),
    Field("overload", "string|null", "The torch overload (null: the default one).", _overload,
          expected="null or an identifier such as 'Tensor'", pattern=IDENT, max_chars=MAX_FIELD_CHARS),
    Field("kind", "string", "jit, aot (prebuilt PTX), kernels (prebuilt PTX through torch_tensorrt.kernels) or "
          "legacy (a converter the package registers).", _choice,
          required=True, choices=tuple(k.value for k in OpKind)),
    Field("module", "string", "The module that defines the op, imported at activation.", _text, required=True,
          pattern=MODULE, pattern_expected="a dotted module path such as 'pkg.qdp'"),
    Field("priority", "string", "The converter's priority.", _choice, default="standard",
          choices=tuple(p.value for p in Priority)),
    Field("supports_dynamic_shapes", "boolean", "The converter handles dynamic shapes.", _flag, default=False),
    Field("requires_output_allocator", "boolean", "The op needs TensorRT's output allocator.", _flag, default=False),
    Field("use_aot_if_available", "boolean", "Use the AOT implementation where TensorRT supports it.", _flag,
          default=True),
    Field("jit_fallback", "boolean", "An aot op that cannot use its PTX here runs as jit.", _flag, default=False),
    Field("capability_validator", "string|null", "'module:function' deciding per node whether to convert.",
          _reference, pattern=_REFERENCE, max_chars=MAX_FIELD_CHARS),
    Field("register", "string|null", "'module:function' registering a legacy converter (legacy ops only).",
          _reference, pattern=_REFERENCE, max_chars=MAX_FIELD_CHARS, kinds=("legacy",), kind_required=True),
    Field("ptx", "array", "The prebuilt PTX files of an aot or kernels op, one per architecture (written by the "
          "build).", _ptx_list, fields=PTX_FIELDS, kinds=_PREBUILT),
    Field("launch", "object", "How TensorRT launches an aot or kernels op's kernel.", _launch, fields=LAUNCH_FIELDS,
          kinds=_PREBUILT),
    Field("build", "object", "How the build compiles an aot or kernels op's kernel (triton or nvrtc).", _build,
          kinds=_PREBUILT, schema={"properties": {"compiler": {"enum": list(COMPILERS)}}, "required": ["compiler"]}),
    Field("schema", "string", "A kernels op's torch schema, such as '(Tensor x) -> Tensor' (tensors first, "
          "attributes int, float, bool or str, no defaults).", _op_schema,
          expected="a schema such as '(Tensor x, float scale) -> Tensor'", kinds=("kernels",), kind_required=True),
    Field("meta", "string", "A kernels op's 'module:function' computing output shapes (torch fake tensors); "
          "required on kernels ops.", _kernels_reference, kinds=("kernels",), kind_required=True),
    Field("eager", "string|null", "A kernels op's 'module:function' running it in PyTorch (CUDA), or null.",
          _kernels_reference, kinds=("kernels",)),
    Field("aot", "string|null", "A kernels op's 'module:function(inputs, outputs, tactic)' returning its launch "
          "parameters; null: the hub builds them from launch.", _kernels_reference, kinds=("kernels",)),
    Field("formats", "array", "A kernels op's type and layout combinations, one object each (TensorRT's "
          "AutoTuneCombination); absent: TensorRT may hand the kernel any type.", _formats, fields=FORMAT_FIELDS,
          kinds=("kernels",)),
    Field("description", "string", "What the op does.", _text, default="", max_chars=MAX_DESCRIPTION_CHARS),
)

PLUGIN_FIELDS: tuple[Field, ...] = (
    Field("schema_version", "integer", "The manifest schema: 1 (read first, by the reader's own code).", _no_getter,
          required=True, choices=tuple(map(str, SUPPORTED_SCHEMA_VERSIONS))),
    Field("$schema", "string", "The JSON Schema of this file (editors read it; the hub does not).", _text,
          default="", max_chars=MAX_DESCRIPTION_CHARS),
    Field("name", "string", "The plugin's name: letters, digits, '.', '_' or '-'.", _text, required=True,
          pattern=_PLUGIN_NAME, pattern_expected="letters, digits, '.', '_' or '-'"),
    Field("description", "string", "What the plugin provides.", _text, default="", max_chars=MAX_DESCRIPTION_CHARS),
    Field("requires", "object", "What the plugin needs: versions, driver, GPUs.", _requirements, default={},
          fields=REQUIRES_FIELDS),
    Field("ops", "array", "The ops the plugin provides.", _no_getter, required=True, fields=OP_FIELDS,
          expected="a non-empty list of op objects", schema={"minItems": 1}),
)

#: Every object of a manifest and its fields, in reading order.
TABLES: Mapping[str, tuple[Field, ...]] = MappingProxyType({
    "plugin": PLUGIN_FIELDS, "requires": REQUIRES_FIELDS, "compute_capability": CAPABILITY_FIELDS,
    "op": OP_FIELDS, "ptx": PTX_FIELDS, "built_from": BUILT_FROM_FIELDS, "launch": LAUNCH_FIELDS,
    "format": FORMAT_FIELDS,
})


# ----------------------------------------------------------------------------------------------
# Objects


def _op(c: _Collector, data: object, where: str, recipes: bool) -> tuple[OpSpec | None, bool]:
    """One op, and whether it is an AOT op the build has not written PTX for yet."""
    obj = _object(c, data, where)
    if obj is None:
        return None, False
    mark = c.mark()
    c.op_id = obj.get("id") if isinstance(obj.get("id"), str) else None
    try:
        _no_unknown(c, obj, where, {f.name for f in OP_FIELDS})
        values: dict[str, Any] = {}
        for f in OP_FIELDS:
            values[f.name] = f.get(f, c, obj, where, values)
            if f.name == "register":
                _register_rule(c, obj, values, where)
            elif (f.name == "launch" and values["kind"] in _PREBUILT and not values["ptx"]
                  and values["ptx"] is not None):
                c(f"{where}.ptx", f"at least one PTX file for {_a(values['kind'])} op (build the wheel with the hub's "
                  "build backend)", obj.get("ptx"), rule=NOT_BUILT)
        if values["kind"] == "kernels":
            _kernels_rule(c, obj, values, where)
        unbuilt = values["kind"] in _PREBUILT and values["ptx"] == ()
        recipe: Recipe | None = None
        if recipes and values["kind"] in _PREBUILT and isinstance(values["build"], dict):
            recipe = read_recipe(values["build"], values["launch"], f"{where}.build", c)
        problems = [e for e in c.errors[mark:] if e.rule != NOT_BUILT]
        if problems:
            return None, unbuilt
        spec = OpSpec(
            id=values["id"], kind=OpKind(values["kind"]), module=values["module"], overload=values["overload"],
            priority=Priority(values["priority"]), capability_validator=values["capability_validator"],
            register=values["register"], ptx=values["ptx"], launch=values["launch"], build=values["build"],
            supports_dynamic_shapes=values["supports_dynamic_shapes"],
            requires_output_allocator=values["requires_output_allocator"],
            use_aot_if_available=values["use_aot_if_available"], jit_fallback=values["jit_fallback"],
            schema=values["schema"], meta=values["meta"], eager=values["eager"], aot=values["aot"],
            formats=values["formats"],
            extensions=_extensions(obj), recipe=recipe,
        )
        return spec, unbuilt
    finally:
        c.op_id = None


def _register_rule(c: _Collector, obj: Mapping[str, Any], values: dict[str, Any], where: str) -> None:
    """A legacy op names its register function; a jit or aot op names none."""
    kind, register = values["kind"], values["register"]
    if kind == "legacy" and obj.get("register") is None:
        c(f"{where}.register", "'module:function' that registers the legacy converter", None,
          rule="op.register.missing")
    elif kind is not None and kind != "legacy" and register is not None:
        c(f"{where}.register", "no register function for a jit or aot op", register, rule="op.register.unexpected")


def _kernels_rule(c: _Collector, obj: Mapping[str, Any], values: dict[str, Any], where: str) -> None:
    """What ``torch_tensorrt.kernels.ptx_op`` can do: the default overload, AOT only, numel extras only."""
    if obj.get("schema") is None:
        c(f"{where}.schema", "the torch schema of a kernels op, such as '(Tensor x) -> Tensor'", None,
          rule="op.schema.missing")
    if obj.get("meta") is None:
        c(f"{where}.meta", "'module:function' of the op's meta function (output shapes from fake tensors)", None,
          rule="op.meta.missing")
    if values["overload"] is not None:
        c(f"{where}.overload", "null: torch_tensorrt.kernels defines the default overload only", values["overload"],
          rule="op.kernels.overload")
    if values["jit_fallback"] or not values["use_aot_if_available"]:
        field = "jit_fallback" if values["jit_fallback"] else "use_aot_if_available"
        c(f"{where}.{field}", "a kernels op runs its PTX only (jit_fallback false, use_aot_if_available true)",
          obj.get(field), rule="op.kernels.aot_only")
    if values["schema"] and values["formats"]:
        signature = parse_signature(values["schema"])
        count = len(signature.tensors) + signature.outputs
        for index, (types, layouts) in enumerate(values["formats"]):
            if len(types.split(",")) != count or len(layouts.split(",")) not in (1, count):
                c(f"{where}.formats[{index}]", f"one type (and one layout, or one for all) per input and output: "
                  f"{count} for schema {values['schema']!r}", {"types": types, "layouts": layouts},
                  rule="format.count")
    launch = values["launch"]
    if launch is not None:
        for index, extra in enumerate(launch.extras):
            if extra != "numel":
                c(f"{where}.launch.extras[{index}]", "'numel' only: torch_tensorrt.kernels never hands a kernels op's "
                  "attributes to its launch; declare the op as kind 'aot' to pass attributes to the kernel", extra,
                  rule="op.kernels.extras")
    elif values["aot"] is None and "launch" not in obj:
        c(f"{where}.launch", "a launch section, or an 'aot' function returning the launch parameters", None,
          rule="op.kernels.launch")


def _schema_version(c: _Collector, top: Mapping[str, Any]) -> bool:
    version = top.get("schema_version")
    if isinstance(version, bool) or not isinstance(version, int):
        c("schema_version", "an integer (1)", version, rule="plugin.schema_version")
        return False
    if version not in SUPPORTED_SCHEMA_VERSIONS:
        c("schema_version",
          f"one of {', '.join(map(str, SUPPORTED_SCHEMA_VERSIONS))} (upgrade trt-plugin-hub for newer manifests)",
          version, rule="plugin.schema_version.unsupported", code="MANIFEST_SCHEMA_UNSUPPORTED")
        return False
    return True


@dataclass(frozen=True)
class ManifestDraft:
    """A manifest read in draft mode: everything read, and every error found.

    ``raw`` is the decoded JSON object (``None`` when the file is unreadable or not an object): the
    build writes its ``ptx`` lists back into a copy of it. ``manifest`` is ``None`` when any error
    other than an unbuilt AOT op was found; ``errors`` lists every error in document order (an
    unbuilt AOT op's has the rule ``"op.ptx.not_built"``); ``unbuilt`` holds the indexes of those ops.
    """

    raw: Mapping[str, Any] | None
    manifest: PluginManifest | None
    errors: tuple[ManifestError, ...]
    unbuilt: frozenset[int] = frozenset()
    sha256: str | None = None

    @property
    def problems(self) -> tuple[ManifestError, ...]:
        """The errors other than unbuilt AOT ops: what stops a build."""
        return tuple(e for e in self.errors if e.rule != NOT_BUILT)


def _parse(data: object, package: str, *, draft: bool) -> ManifestDraft:
    c = _Collector(package, draft=draft)
    top = _object(c, data, "")
    if top is None or not _schema_version(c, top):
        return ManifestDraft(top, None, tuple(c.errors))
    _no_unknown(c, top, "", {f.name for f in PLUGIN_FIELDS})
    values = _read_fields(c, top, "", PLUGIN_FIELDS)
    raw_ops = top.get("ops")
    ops: list[OpSpec | None] = []
    unbuilt: set[int] = set()
    if not isinstance(raw_ops, list) or not raw_ops:
        c("ops", "a non-empty list of op objects", raw_ops, rule="plugin.ops")
    else:
        for index, item in enumerate(raw_ops):
            op, not_built = _op(c, item, f"ops[{index}]", recipes=draft)
            ops.append(op)
            if not_built:
                unbuilt.add(index)
    seen: dict[tuple[str, str], int] = {}
    for index, op in enumerate(ops):
        if op is None:
            continue
        key = (op.id, op.overload_name)
        if key in seen:
            c(f"ops[{index}].id", f"each op declared once, but {op.id} (overload {op.overload_name}) is also "
              f"ops[{seen[key]}]", op.id, rule="op.duplicate")
        seen.setdefault(key, index)
    errors = tuple(c.errors)
    manifest = None
    if not any(e.rule != NOT_BUILT for e in errors) and all(op is not None for op in ops) and ops:
        manifest = PluginManifest(schema_version=top["schema_version"], name=values["name"],
                                  description=values["description"], requires=values["requires"],
                                  ops=tuple(op for op in ops if op is not None), extensions=_extensions(top))
    return ManifestDraft(top, manifest, errors, frozenset(unbuilt))


@overload
def parse_manifest(data: object, package: str, *, draft: Literal[False] = False) -> PluginManifest: ...
@overload
def parse_manifest(data: object, package: str, *, draft: Literal[True]) -> ManifestDraft: ...


def parse_manifest(data: object, package: str, *, draft: bool = False) -> PluginManifest | ManifestDraft:
    """Validate ``data`` (decoded JSON) as a version-1 manifest of ``package``.

    Strict (the default): the manifest, or the first :class:`~trt_plugin_hub.ManifestError` raised.
    ``draft=True``: a :class:`ManifestDraft` with every error; never raises.
    """
    result = _parse(data, package, draft=draft)
    if draft:
        return result
    if result.manifest is None:  # never: strict mode raised the first error
        raise result.errors[0] if result.errors else ManifestError(package, "", "a manifest")
    return result.manifest


# ----------------------------------------------------------------------------------------------
# Files


class _DuplicateKey(ValueError):  # noqa: N818 - the name the reader always chained its error to
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


def _decode(path: Path, c: _Collector) -> tuple[object, str] | None:
    """The file's JSON value and sha256, or ``None`` (reported) when it cannot be read as JSON."""
    unreadable = "MANIFEST_UNREADABLE"
    try:
        size = path.stat().st_size
        if size > MAX_MANIFEST_BYTES:
            c("", f"a manifest of at most {MAX_MANIFEST_BYTES} bytes", f"{size} bytes", code=unreadable,
              rule="manifest.size")
            return None
        raw = path.read_bytes()
    except OSError as exc:
        c("", f"a readable file at {path.name}", exc.strerror or str(exc), code=unreadable, rule="manifest.file",
          cause=exc)
        return None
    if len(raw) > MAX_MANIFEST_BYTES:
        c("", f"at most {MAX_MANIFEST_BYTES} bytes", f"{len(raw)} bytes", code=unreadable, rule="manifest.size")
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        c("", "UTF-8 text", f"invalid byte at offset {exc.start}", code=unreadable, rule="manifest.utf8", cause=exc)
        return None
    try:
        data = json.loads(text, object_pairs_hook=_unique_keys)
    except _DuplicateKey as exc:
        c(exc.key, "each key once per JSON object (a repeated key would silently replace the first)", exc.key,
          rule="manifest.duplicate_key", cause=exc)
        return None
    except (ValueError, RecursionError) as exc:
        c("", "valid JSON", str(exc)[:120], rule="manifest.json", cause=exc)
        return None
    return data, hashlib.sha256(raw).hexdigest()


@overload
def read_manifest(path: Path, package: str, *, draft: Literal[False] = False) -> PluginManifest: ...
@overload
def read_manifest(path: Path, package: str, *, draft: Literal[True]) -> ManifestDraft: ...


def read_manifest(path: Path, package: str, *, draft: bool = False) -> PluginManifest | ManifestDraft:
    """Read and validate the manifest at ``path``; ``package`` names it in errors.

    Strict (the default): the manifest with its file's sha256, or the first
    :class:`~trt_plugin_hub.ManifestError`. ``draft=True``: a :class:`ManifestDraft`; never raises.
    """
    c = _Collector(package, draft=draft)
    decoded = _decode(path, c)
    if decoded is None:
        return ManifestDraft(None, None, tuple(c.errors))
    data, digest = decoded
    result = _parse(data, package, draft=draft)
    manifest = replace(result.manifest, sha256=digest) if result.manifest is not None else None
    if draft:
        return replace(result, manifest=manifest, sha256=digest)
    if manifest is None:  # never: strict mode raised the first error
        raise result.errors[0] if result.errors else ManifestError(package, "", "a manifest")
    return manifest


# ----------------------------------------------------------------------------------------------
# The trusted form: a manifest this reader validated, as plain JSON, rebuilt without validation


def trusted_form(manifest: PluginManifest) -> dict[str, Any] | None:
    """``manifest`` (a strict result of :func:`read_manifest`) as plain JSON for :func:`from_trusted_form`.

    Only for a store nobody else may write (the discovery cache): the form is rebuilt without
    being validated again. ``None`` for a manifest this form does not carry (a draft's recipes).
    """
    ops = []
    for op in manifest.ops:
        if op.recipe is not None:
            return None
        ops.append([
            op.id, op.kind.value, op.module, op.overload, op.priority.value, op.supports_dynamic_shapes,
            op.requires_output_allocator, op.use_aot_if_available, op.jit_fallback, op.capability_validator,
            op.register,
            [[p.arch, p.path, p.kernel, p.sha256, p.isa,
              None if p.built_from is None else [p.built_from.compiler, [list(s) for s in p.built_from.sources],
                                                 dict(p.built_from.options)]] for p in op.ptx],
            None if op.launch is None else [op.launch.block_threads, op.launch.elements_per_block,
                                            list(op.launch.extras), op.launch.shared_mem],
            None if op.build is None else dict(op.build), op.schema, op.meta, op.eager, op.aot,
            [list(f) for f in op.formats], dict(op.extensions),
        ])
    req = manifest.requires
    cc = req.compute_capability
    return {
        "schema_version": manifest.schema_version, "name": manifest.name, "description": manifest.description,
        "requires": [req.tensorrt, req.torch, req.torch_tensorrt, req.python, req.cuda_driver,
                     None if cc.min is None else list(cc.min), None if cc.max is None else list(cc.max)],
        "sha256": manifest.sha256, "extensions": dict(manifest.extensions), "ops": ops,
    }


def _pair(value: Any) -> tuple[int, int] | None:
    return None if value is None else (value[0], value[1])


def from_trusted_form(form: Any) -> PluginManifest:
    """The manifest :func:`trusted_form` gave ``form`` for, equal field by field; nothing is validated.

    Raises (``KeyError``, ``TypeError``, ``ValueError``...) for a form of another shape: the caller
    then reads the file.
    """
    ops = []
    for (op_id, kind, module, op_overload, priority, dynamic, allocator, use_aot, fallback, validator, register, ptx,
         launch, build, schema, meta, eager, aot, formats, extensions) in form["ops"]:
        artifacts = tuple(
            PtxArtifact(arch, path, kernel, sha256, isa, None if built is None else BuildRecord(
                compiler=built[0], sources=tuple((s[0], s[1]) for s in built[1]),
                options=MappingProxyType(dict(built[2]))))
            for arch, path, kernel, sha256, isa, built in ptx)
        ops.append(OpSpec(
            id=op_id, kind=OpKind(kind), module=module, overload=op_overload, priority=Priority(priority),
            supports_dynamic_shapes=dynamic, requires_output_allocator=allocator, use_aot_if_available=use_aot,
            jit_fallback=fallback, capability_validator=validator, register=register, ptx=artifacts,
            launch=None if launch is None else LaunchSpec(block_threads=launch[0], elements_per_block=launch[1],
                                                          extras=tuple(launch[2]), shared_mem=launch[3]),
            build=None if build is None else dict(build), schema=schema, meta=meta, eager=eager, aot=aot,
            formats=tuple((f[0], f[1]) for f in formats), extensions=dict(extensions),
        ))
    tensorrt, torch, torch_tensorrt, python, cuda_driver, low, high = form["requires"]
    requires = Requirements(tensorrt=tensorrt, torch=torch, torch_tensorrt=torch_tensorrt, python=python,
                            cuda_driver=cuda_driver, compute_capability=CapabilityRange(_pair(low), _pair(high)))
    return PluginManifest(schema_version=form["schema_version"], name=form["name"], ops=tuple(ops),
                          description=form["description"], requires=requires, sha256=form["sha256"],
                          extensions=dict(form["extensions"]))
