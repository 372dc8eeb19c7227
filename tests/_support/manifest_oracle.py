"""The strict manifest reader as it was before the reader learnt a draft mode, frozen.

Since then it learnt two things more, each written here on its own: the fifth kind, ``kernels``,
with its fields (``schema``, ``meta``, ``eager``, ``aot``, ``formats``) and rules; and a PTX
entry's ``built_from`` (what the build compiled the file from: ``compiler``, ``sources``,
``options``).

The regression oracle of the strict mode: on the fuzz tests' corpus, ``trt_plugin_hub._manifest``
must raise the same first error (code, field, expected, found, message) or read the same manifest.
Not used by the package.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from trt_plugin_hub._errors import ManifestError
from trt_plugin_hub._launch import LaunchSpec
from trt_plugin_hub._launch.checks import LAUNCH_KEYS, launch_problems, launch_spec
from trt_plugin_hub._manifest import parse_signature
from trt_plugin_hub._ptx import ARCH, BuildRecord, PtxArtifact

__all__ = [
    "MANIFEST_FILENAME",
    "MAX_DESCRIPTION_CHARS",
    "MAX_FIELD_CHARS",
    "MAX_MANIFEST_BYTES",
    "RESERVED_NAMESPACES",
    "SUPPORTED_SCHEMA_VERSIONS",
    "CapabilityRange",
    "LaunchSpec",
    "OpKind",
    "OpSpec",
    "PluginManifest",
    "Priority",
    "PtxArtifact",
    "Requirements",
    "parse_manifest",
    "read_manifest",
]

MANIFEST_FILENAME = "trt_plugin.json"
#: A manifest is a few kilobytes; anything far larger is a mistake or an attack on start-up time.
MAX_MANIFEST_BYTES = 1 << 20
#: The longest name, op id, module, path or reference a manifest may hold; it ends up in every
#: report line and log message about the plugin.
MAX_FIELD_CHARS = 200
#: The longest description (of the plugin or of an op).
MAX_DESCRIPTION_CHARS = 2000
SUPPORTED_SCHEMA_VERSIONS = (1,)
#: Namespaces TensorRT's QDP reserves for itself.
RESERVED_NAMESPACES = frozenset({"", "trt", "tensorrt", "std"})

class OpKind(str, enum.Enum):
    """How an op runs: a QDP with a JIT implementation, a QDP with prebuilt PTX, or a legacy converter."""

    JIT = "jit"
    AOT = "aot"
    LEGACY = "legacy"
    KERNELS = "kernels"

    def __str__(self) -> str:
        return self.value


class Priority(str, enum.Enum):
    """The converter priority an op declares."""

    STANDARD = "standard"
    HIGH = "high"

    def __str__(self) -> str:
        return self.value

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_MODULE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*\Z")
_PLUGIN_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?\Z")
_SHA256 = re.compile(r"[0-9a-f]{64}\Z")
_ISA = re.compile(r"\d+\.\d+\Z")
_CC = re.compile(r"\d+\.\d\Z")
_REQUIREMENT_KEYS = ("tensorrt", "torch", "torch_tensorrt", "python", "cuda_driver")


@dataclass(frozen=True)
class CapabilityRange:
    """Inclusive range of GPU compute capabilities, as ``(major, minor)`` tuples."""

    min: tuple[int, int] | None = None
    max: tuple[int, int] | None = None

    def contains(self, cc: tuple[int, int]) -> bool:
        """Whether ``cc`` lies inside the range."""
        if self.min is not None and cc < self.min:
            return False
        return not (self.max is not None and cc > self.max)

    def __str__(self) -> str:
        low = f"{self.min[0]}.{self.min[1]}" if self.min else "any"
        high = f"{self.max[0]}.{self.max[1]}" if self.max else "any"
        return f"{low} to {high}"


@dataclass(frozen=True)
class Requirements:
    """Version constraints a plugin declares (PEP 440 specifier strings, ``None`` when absent)."""

    tensorrt: str | None = None
    torch: str | None = None
    torch_tensorrt: str | None = None
    python: str | None = None
    cuda_driver: str | None = None
    compute_capability: CapabilityRange = field(default_factory=CapabilityRange)

    def specifiers(self) -> dict[str, str]:
        """The declared specifiers by requirement name, absent ones left out."""
        return {key: value for key in _REQUIREMENT_KEYS if (value := getattr(self, key))}


@dataclass(frozen=True)
class OpSpec:
    """One op a plugin provides."""

    id: str
    kind: OpKind
    module: str
    overload: str | None = None
    priority: Priority = Priority.STANDARD
    supports_dynamic_shapes: bool = False
    requires_output_allocator: bool = False
    use_aot_if_available: bool = True
    jit_fallback: bool = False
    capability_validator: str | None = None
    register: str | None = None
    ptx: tuple[PtxArtifact, ...] = ()
    launch: LaunchSpec | None = None
    build: Mapping[str, Any] | None = None
    schema: str | None = None
    meta: str | None = None
    eager: str | None = None
    aot: str | None = None
    formats: tuple[tuple[str, str], ...] = ()

    @property
    def namespace(self) -> str:
        """The part of the id before ``::``."""
        return self.id.split("::", 1)[0]

    @property
    def name(self) -> str:
        """The part of the id after ``::``."""
        return self.id.split("::", 1)[1]

    @property
    def overload_name(self) -> str:
        """The torch overload name (``default`` when none is declared)."""
        return self.overload or "default"


@dataclass(frozen=True)
class PluginManifest:
    """A parsed, validated manifest."""

    schema_version: int
    name: str
    ops: tuple[OpSpec, ...]
    description: str = ""
    requires: Requirements = field(default_factory=Requirements)
    sha256: str | None = None


# ----------------------------------------------------------------------------------------------
# Reading


def read_manifest(path: Path, package: str) -> PluginManifest:
    """Read and validate the manifest at ``path``; ``package`` names it in errors."""
    import hashlib

    try:
        size = path.stat().st_size
        if size > MAX_MANIFEST_BYTES:
            raise ManifestError(
                package, "", f"a manifest of at most {MAX_MANIFEST_BYTES} bytes", f"{size} bytes",
                code="MANIFEST_UNREADABLE",
            )
        raw = path.read_bytes()
    except ManifestError:
        raise
    except OSError as exc:
        raise ManifestError(
            package, "", f"a readable file at {path.name}", exc.strerror or str(exc),
            code="MANIFEST_UNREADABLE",
        ) from exc
    if len(raw) > MAX_MANIFEST_BYTES:
        raise ManifestError(package, "", f"at most {MAX_MANIFEST_BYTES} bytes", f"{len(raw)} bytes",
                            code="MANIFEST_UNREADABLE")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ManifestError(package, "", "UTF-8 text", f"invalid byte at offset {exc.start}",
                            code="MANIFEST_UNREADABLE") from exc
    try:
        data = json.loads(text, object_pairs_hook=_unique_keys)
    except _DuplicateKey as exc:
        raise ManifestError(package, exc.key, "each key once per JSON object (a repeated key would silently "
                            "replace the first)", exc.key) from exc
    except (ValueError, RecursionError) as exc:
        raise ManifestError(package, "", "valid JSON", str(exc)[:120]) from exc
    manifest = parse_manifest(data, package)
    return _with_hash(manifest, hashlib.sha256(raw).hexdigest())


class _DuplicateKey(ValueError):
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


def _with_hash(manifest: PluginManifest, digest: str) -> PluginManifest:
    from dataclasses import replace

    return replace(manifest, sha256=digest)


def parse_manifest(data: object, package: str) -> PluginManifest:
    """Validate ``data`` (decoded JSON) as a version-1 manifest of ``package``."""
    top = _object(data, package, "")
    version = top.get("schema_version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise ManifestError(package, "schema_version", "an integer (1)", version)
    if version not in SUPPORTED_SCHEMA_VERSIONS:
        raise ManifestError(
            package, "schema_version",
            f"one of {', '.join(map(str, SUPPORTED_SCHEMA_VERSIONS))} (upgrade trt-plugin-hub for newer manifests)",
            version, code="MANIFEST_SCHEMA_UNSUPPORTED",
        )
    _no_unknown(top, package, "", {"schema_version", "$schema", "name", "description", "requires", "ops"})
    if "$schema" in top:
        _string(top, "$schema", package, "", default="")
    name = _string(top, "name", package, "")
    if not _PLUGIN_NAME.match(name):
        raise ManifestError(package, "name", "letters, digits, '.', '_' or '-'", name)
    description = _string(top, "description", package, "", default="")
    requires = _requirements(top.get("requires", {}), package)
    raw_ops = top.get("ops")
    if not isinstance(raw_ops, list) or not raw_ops:
        raise ManifestError(package, "ops", "a non-empty list of op objects", raw_ops)
    ops = tuple(_op(item, package, f"ops[{index}]") for index, item in enumerate(raw_ops))
    seen: dict[tuple[str, str], int] = {}
    for index, op in enumerate(ops):
        key = (op.id, op.overload_name)
        if key in seen:
            raise ManifestError(
                package, f"ops[{index}].id",
                f"each op declared once, but {op.id} (overload {op.overload_name}) is also ops[{seen[key]}]",
                op.id,
            )
        seen[key] = index
    return PluginManifest(schema_version=version, name=name, description=description,
                          requires=requires, ops=ops)


def _requirements(data: object, package: str) -> Requirements:
    obj = _object(data, package, "requires")
    _no_unknown(obj, package, "requires", {*_REQUIREMENT_KEYS, "compute_capability"})
    values: dict[str, Any] = {}
    for key in _REQUIREMENT_KEYS:
        if key in obj:
            spec = obj[key]
            where = f"requires.{key}"
            if not isinstance(spec, str):
                raise ManifestError(package, where, "a PEP 440 specifier string such as '>=10.9'", spec)
            try:
                SpecifierSet(spec)
            except InvalidSpecifier as exc:
                raise ManifestError(package, where, "a PEP 440 specifier string such as '>=10.9'", spec) from exc
            values[key] = spec
    if "compute_capability" in obj:
        cc = _object(obj["compute_capability"], package, "requires.compute_capability")
        _no_unknown(cc, package, "requires.compute_capability", {"min", "max"})
        bounds = {}
        for bound in ("min", "max"):
            if bound in cc:
                bounds[bound] = _cc(cc[bound], package, f"requires.compute_capability.{bound}")
        low, high = bounds.get("min"), bounds.get("max")
        if low and high and low > high:
            raise ManifestError(package, "requires.compute_capability", "min <= max", cc)
        values["compute_capability"] = CapabilityRange(low, high)
    return Requirements(**values)


def _cc(value: object, package: str, where: str) -> tuple[int, int]:
    text = value if isinstance(value, str) else None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        text = f"{float(value):.1f}"
    if text is None or not _CC.match(text):
        raise ManifestError(package, where, "a compute capability such as '8.0'", value)
    major, minor = text.split(".")
    return int(major), int(minor)


_OP_FIELDS = {
    "id", "overload", "kind", "module", "priority", "supports_dynamic_shapes",
    "requires_output_allocator", "use_aot_if_available", "jit_fallback", "capability_validator",
    "register", "ptx", "launch", "build", "description", "schema", "meta", "eager", "aot", "formats",
}
_KERNELS_ONLY = ("schema", "meta", "eager", "aot", "formats")
_IO_NAME = re.compile(r"[A-Z][A-Z0-9_]*\Z")


def _a(kind: str) -> str:
    return f"an {kind}" if kind[:1] in "aeiou" else f"a {kind}"


def _io_ok(text: str) -> bool:
    for spec in (part.strip() for part in text.split(",")):
        separators = {ch for ch in spec if ch in "|*"}
        if len(separators) > 1 or not all(_IO_NAME.match(name) for name in re.split(r"[|*]", spec)):
            return False
    return True


def _kernels_fields(obj: Mapping[str, Any], kind: str, package: str, where: str) -> dict[str, Any]:
    """The kernels-only fields, read in the manifest's field order (refused on the other kinds)."""
    values: dict[str, Any] = {"schema": None, "meta": None, "eager": None, "aot": None, "formats": ()}
    for key in _KERNELS_ONLY:
        if kind != "kernels":
            if obj.get(key) is not None:
                raise ManifestError(package, f"{where}.{key}", f"no {key!r} on {_a(kind)} op (it belongs to kernels "
                                    "ops)", obj.get(key))
            continue
        if key == "schema" and obj.get(key) is not None:
            text = _string(obj, key, package, where)
            try:
                parse_signature(text)
            except ValueError as exc:
                raise ManifestError(package, f"{where}.schema", "a schema such as '(Tensor x, float scale) -> Tensor'",
                                    f"{text} ({exc})") from exc
            values[key] = text
        elif key in ("meta", "eager", "aot"):
            values[key] = _reference(obj, key, package, where)
        elif key == "formats" and obj.get(key) is not None:
            values[key] = _formats(obj[key], package, f"{where}.formats")
    return values


def _formats(data: object, package: str, where: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(data, list) or not data:
        raise ManifestError(package, where, 'a non-empty list of {"types", "layouts"} objects', data)
    result = []
    for index, item in enumerate(data):
        at = f"{where}[{index}]"
        entry = _object(item, package, at)
        _no_unknown(entry, package, at, {"types", "layouts"})
        pair = []
        for key, default in (("types", None), ("layouts", "LINEAR")):
            text = entry.get(key, default)
            if not isinstance(text, str) or not _io_ok(text):
                raise ManifestError(package, f"{at}.{key}", "comma-separated TensorRT names per input and output, "
                                    "such as 'FP32|FP16, FP32|FP16' ('|' for dependent choices, '*' for independent "
                                    "ones)", text)
            pair.append(text)
        result.append((pair[0], pair[1]))
    return tuple(result)


def _kernels_rules(obj: Mapping[str, Any], values: dict[str, Any], overload: str | None, flags: dict[str, bool],
                   launch: LaunchSpec | None, package: str, where: str) -> None:
    """What torch_tensorrt.kernels.ptx_op can do, checked after every field of a kernels op."""
    if obj.get("schema") is None:
        raise ManifestError(package, f"{where}.schema", "the torch schema of a kernels op, such as '(Tensor x) -> "
                            "Tensor'", None)
    if obj.get("meta") is None:
        raise ManifestError(package, f"{where}.meta", "'module:function' of the op's meta function (output shapes "
                            "from fake tensors)", None)
    if overload is not None:
        raise ManifestError(package, f"{where}.overload", "null: torch_tensorrt.kernels defines the default overload "
                            "only", overload)
    if flags["jit_fallback"] or not flags["use_aot_if_available"]:
        key = "jit_fallback" if flags["jit_fallback"] else "use_aot_if_available"
        raise ManifestError(package, f"{where}.{key}", "a kernels op runs its PTX only (jit_fallback false, "
                            "use_aot_if_available true)", obj.get(key))
    if values["formats"]:
        signature = parse_signature(values["schema"])
        count = len(signature.tensors) + signature.outputs
        for index, (types, layouts) in enumerate(values["formats"]):
            if len(types.split(",")) != count or len(layouts.split(",")) not in (1, count):
                raise ManifestError(package, f"{where}.formats[{index}]", "one type (and one layout, or one for all) "
                                    f"per input and output: {count} for schema {values['schema']!r}",
                                    {"types": types, "layouts": layouts})
    if launch is not None:
        for index, extra in enumerate(launch.extras):
            if extra != "numel":
                raise ManifestError(package, f"{where}.launch.extras[{index}]", "'numel' only: torch_tensorrt.kernels "
                                    "never hands a kernels op's attributes to its launch; declare the op as kind 'aot' "
                                    "to pass attributes to the kernel", extra)
    elif values["aot"] is None and "launch" not in obj:
        raise ManifestError(package, f"{where}.launch", "a launch section, or an 'aot' function returning the launch "
                            "parameters", None)


def _op(data: object, package: str, where: str) -> OpSpec:
    obj = _object(data, package, where)
    _no_unknown(obj, package, where, _OP_FIELDS)
    op_id = _string(obj, "id", package, where)
    _check_op_id(op_id, package, f"{where}.id")
    overload = obj.get("overload")
    if overload is not None and (not isinstance(overload, str) or not _IDENT.match(overload)
                                 or len(overload) > MAX_FIELD_CHARS):
        raise ManifestError(package, f"{where}.overload", "null or an identifier such as 'Tensor'", overload)
    kind = _choice(obj, "kind", ("jit", "aot", "legacy", "kernels"), package, where)
    module = _string(obj, "module", package, where)
    if not _MODULE.match(module):
        raise ManifestError(package, f"{where}.module", "a dotted module path such as 'pkg.qdp'", module)
    priority = _choice(obj, "priority", ("standard", "high"), package, where, default="standard")
    flags = {
        name: _bool(obj, name, package, where, default)
        for name, default in (
            ("supports_dynamic_shapes", False),
            ("requires_output_allocator", False),
            ("use_aot_if_available", True),
            ("jit_fallback", False),
        )
    }
    validator = _reference(obj, "capability_validator", package, where)
    register = _reference(obj, "register", package, where)
    if kind == "legacy" and register is None:
        raise ManifestError(package, f"{where}.register",
                            "'module:function' that registers the legacy converter", None)
    if kind != "legacy" and register is not None:
        raise ManifestError(package, f"{where}.register", "no register function for a jit or aot op", register)
    ptx: tuple[PtxArtifact, ...] = ()
    launch = None
    if "ptx" in obj:
        if kind not in ("aot", "kernels"):
            raise ManifestError(package, f"{where}.ptx", "PTX files only on aot and kernels ops", kind)
        ptx = _ptx_list(obj["ptx"], package, f"{where}.ptx")
    for section in ("launch", "build"):
        if section in obj and kind not in ("aot", "kernels"):
            raise ManifestError(package, f"{where}.{section}", f"a {section} section only on aot and kernels ops (a "
                                f"{kind} op has no kernel the hub builds or launches): remove it, or declare the op "
                                "aot", kind)
    if "launch" in obj:
        launch = _launch(obj["launch"], package, f"{where}.launch")
    if kind in ("aot", "kernels") and not ptx:
        raise ManifestError(package, f"{where}.ptx",
                            f"at least one PTX file for {_a(kind)} op (build the wheel with the hub's build backend)",
                            obj.get("ptx"))
    build = obj.get("build")
    if build is not None and not isinstance(build, dict):
        raise ManifestError(package, f"{where}.build", "an object", build)
    kernels = _kernels_fields(obj, kind, package, where)
    if "description" in obj:
        _string(obj, "description", package, where, default="")
    if kind == "kernels":
        _kernels_rules(obj, kernels, overload, flags, launch, package, where)
    return OpSpec(
        id=op_id, kind=OpKind(kind), module=module, overload=overload, priority=Priority(priority),
        capability_validator=validator, register=register, ptx=ptx, launch=launch, build=build,
        **flags, **kernels,
    )


def _check_op_id(op_id: str, package: str, where: str) -> None:
    if op_id.count("::") != 1:
        raise ManifestError(package, where, "an op id 'namespace::name'", op_id)
    namespace, name = op_id.split("::")
    if "." in namespace or "." in name:
        raise ManifestError(package, where, "no '.' in the namespace or name (TensorRT QDP rule)", op_id)
    if namespace in RESERVED_NAMESPACES:
        raise ManifestError(package, where,
                            f"a namespace other than the reserved {sorted(RESERVED_NAMESPACES)}", op_id)
    if not _IDENT.match(namespace) or not _IDENT.match(name):
        raise ManifestError(package, where, "identifiers on both sides of '::'", op_id)


def _ptx_list(data: object, package: str, where: str) -> tuple[PtxArtifact, ...]:
    if not isinstance(data, list):
        raise ManifestError(package, where, "a list of PTX file objects", data)
    result = []
    seen: set[str] = set()
    for index, item in enumerate(data):
        at = f"{where}[{index}]"
        obj = _object(item, package, at)
        _no_unknown(obj, package, at, {"arch", "path", "kernel", "sha256", "isa", "built_from"})
        arch = _string(obj, "arch", package, at)
        if not ARCH.match(arch):
            raise ManifestError(package, f"{at}.arch", "an architecture such as 'sm_80' or 'sm_90a'", arch)
        if arch in seen:
            raise ManifestError(package, f"{at}.arch", "one PTX file per architecture", arch)
        seen.add(arch)
        path = _string(obj, "path", package, at)
        if not path or "\\" in path or "\x00" in path:
            raise ManifestError(package, f"{at}.path", "a relative '/'-separated path inside the package", path)
        kernel = _string(obj, "kernel", package, at)
        if not _IDENT.match(kernel):
            raise ManifestError(package, f"{at}.kernel", "the kernel's entry name (an identifier)", kernel)
        digest = _string(obj, "sha256", package, at)
        if not _SHA256.match(digest):
            raise ManifestError(package, f"{at}.sha256", "64 lowercase hex digits", digest)
        isa = obj.get("isa")
        if isa is not None and (not isinstance(isa, str) or not _ISA.match(isa)):
            raise ManifestError(package, f"{at}.isa", "a PTX ISA version such as '8.7'", isa)
        built_from = _build_record(obj.get("built_from"), package, f"{at}.built_from")
        result.append(PtxArtifact(arch=arch, path=path, kernel=kernel, sha256=digest, isa=isa, built_from=built_from))
    return tuple(result)


def _build_record(data: object, package: str, where: str) -> BuildRecord | None:
    if data is None:
        return None
    obj = _object(data, package, where)
    _no_unknown(obj, package, where, {"compiler", "sources", "options"})
    compiler = _string(obj, "compiler", package, where)
    sources = obj.get("sources")
    if not isinstance(sources, dict) or not all(
            isinstance(path, str) and path and "\\" not in path and not path.startswith("/")
            and len(path) <= MAX_FIELD_CHARS and isinstance(digest, str) and _SHA256.match(digest)
            for path, digest in sources.items()):
        raise ManifestError(package, f"{where}.sources", "an object of package-relative '/'-separated paths and "
                                                          "their sha256 (64 lowercase hex digits)", sources)
    options = obj.get("options", {})
    if not isinstance(options, dict):
        raise ManifestError(package, f"{where}.options", "a JSON object", options)
    return BuildRecord(compiler=compiler, sources=tuple(sources.items()), options=MappingProxyType(options))


def _launch(data: object, package: str, where: str) -> LaunchSpec:
    obj = _object(data, package, where)
    _no_unknown(obj, package, where, set(LAUNCH_KEYS))
    problems = launch_problems(obj)
    if problems:
        first = problems[0]
        raise ManifestError(package, f"{where}.{first.key}", first.expected, first.found)
    return launch_spec(obj)


# ----------------------------------------------------------------------------------------------
# Small typed getters; each raises ManifestError naming the field.


def _object(value: object, package: str, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ManifestError(package, where, "a JSON object", value)
    return value


def _no_unknown(obj: Mapping[str, Any], package: str, where: str, known: set[str]) -> None:
    for key in obj:
        if key not in known and not key.startswith("x-"):
            field_name = f"{where}.{key}" if where else key
            raise ManifestError(package, field_name,
                                f"only known fields ({', '.join(sorted(known - {'$schema'}))}) or 'x-' extensions",
                                key)


def _string(obj: Mapping[str, Any], key: str, package: str, where: str, default: str | None = None) -> str:
    value = obj.get(key, default)
    field_name = f"{where}.{key}" if where else key
    if not isinstance(value, str) or (default is None and not value):
        raise ManifestError(package, field_name, "a non-empty string", value)
    limit = MAX_DESCRIPTION_CHARS if key in ("description", "$schema") else MAX_FIELD_CHARS
    if len(value) > limit:
        raise ManifestError(package, field_name, f"at most {limit} characters", f"{len(value)} characters")
    return value


def _bool(obj: Mapping[str, Any], key: str, package: str, where: str, default: bool) -> bool:
    value = obj.get(key, default)
    if not isinstance(value, bool):
        raise ManifestError(package, f"{where}.{key}", "true or false", value)
    return value


def _choice(obj: Mapping[str, Any], key: str, choices: tuple[str, ...], package: str, where: str,
            default: str | None = None) -> Any:
    value = obj.get(key, default)
    if value not in choices:
        raise ManifestError(package, f"{where}.{key}", f"one of {', '.join(choices)}", value)
    return value


def _reference(obj: Mapping[str, Any], key: str, package: str, where: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or value.count(":") != 1 or len(value) > MAX_FIELD_CHARS:
        raise ManifestError(package, f"{where}.{key}", f"'module:function' of at most {MAX_FIELD_CHARS} characters",
                            value)
    module, attr = value.split(":")
    if not _MODULE.match(module) or not _IDENT.match(attr):
        raise ManifestError(package, f"{where}.{key}", "'module:function'", value)
    return value
