"""What ``validate`` reports: severities, finding codes, findings, per-package results and the report."""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trt_plugin_hub._envelope import envelope

__all__ = [
    "BUILD_FIX",
    "REBUILD_FIX",
    "VALIDATION_CODES",
    "Findings",
    "OpSummary",
    "PackageResult",
    "Severity",
    "ValidationFinding",
    "ValidationReport",
]


class Severity(str, enum.Enum):
    """How much a finding weighs: an error fails validation, a warning or a note does not.

    The rule every finding follows: whatever would fail later (activation, conversion, the engine
    build, loading the kernel) on a host that meets the package's declared requirements is an
    ``error``; what works but is likely wrong is a ``warning`` (including a failure this static
    reading cannot confirm, such as an op registered with a computed id); everything else, such as
    a check that could not run here, is ``info``. So a package with no errors activates every op and
    builds engines with no failure from the plugin's side wherever its declared requirements hold.
    """

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    def __str__(self) -> str:
        return self.value


#: Every finding code ``validate`` emits, with what it means. Codes shared with activation
#: (``PTX_HASH_MISMATCH``...) mean the same thing: the hub would reject the op for it.
VALIDATION_CODES: dict[str, str] = {
    "NO_PLUGIN": "The target (e.g. a wheel) holds no plugin package: no trt_plugin.json and no entry point.",
    "MANIFEST_MISSING": "The package has no trt_plugin.json.",
    "MANIFEST_UNREADABLE": "The manifest cannot be read, is not UTF-8 or is too large.",
    "MANIFEST_INVALID": "The manifest does not follow the schema.",
    "MANIFEST_SCHEMA_UNSUPPORTED": "The manifest's schema_version is newer than this hub understands.",
    "ENTRY_POINT_MISSING": "No 'torch_tensorrt.plugins' entry point names the package, so the hub never finds it.",
    "ENTRY_POINT_NOT_FOUND": "An entry point names a package that is not in the project, wheel or distribution.",
    "BUILD_BACKEND": "AOT ops are declared but the project does not build with trt_plugin_hub.authoring.backend.",
    "QDP_NAME_INVALID": "An op id is not 'namespace::name' with identifiers and no '.' (TensorRT QDP rule).",
    "QDP_NAMESPACE_RESERVED": "An op id uses a namespace TensorRT reserves ('', trt, tensorrt, std).",
    "QDP_REGISTER_NOT_FOUND": "No @trtp.register for the op was found in its module or package.",
    "QDP_IMPL_MISSING": "The op's kind needs an @trtp.impl (JIT) or @trtp.aot_impl (AOT) that is not there.",
    "AOT_IMPL_SIGNATURE": "The @trtp.aot_impl does not take every attribute, as TensorRT's engine build calls it.",
    "QDP_ATTR_RESERVED": "A plugin attribute is called outputs, stream or tactic (reserved by TensorRT).",
    "QDP_ATTR_TYPE": "A plugin attribute's type is not one TensorRT serialises.",
    "QDP_ATTR_DEFAULT": "A @trtp.register parameter has a default value (TensorRT refuses them).",
    "QDP_TENSORS_NOT_FIRST": "A @trtp.register function does not list its TensorDesc parameters first.",
    "QDP_SIGNATURE_INVALID": "A @trtp.register parameter or return annotation TensorRT cannot read.",
    "QDP_STRING_ANNOTATIONS": "'from __future__ import annotations' turns the QDP annotations into strings.",
    "MODULE_NOT_FOUND": "The module the manifest names is not in the package.",
    "LEGACY_REGISTER_NOT_FOUND": "The legacy op's register function is not defined in its module.",
    "VALIDATOR_NOT_FOUND": "The op's capability_validator names a function its module does not define.",
    "KERNELS_FUNCTION_NOT_FOUND": "A kernels op's meta, eager, aot or validator function is not defined in its module.",
    "KERNELS_SELF_REGISTERED": "The package registers a kernels op itself; the hub registers it through ptx_op.",
    "SCHEMA_NOT_FOUND": "No torch.library definition of the op was found in the package's sources.",
    "SCHEMA_TENSORS_NOT_FIRST": "The torch op's schema does not list its tensors first.",
    "SCHEMA_PLUGIN_MISMATCH": "The torch op's tensors or attributes differ from the QDP plugin's.",
    "SCHEMA_ATTR_NO_DEFAULT": "A torch op attribute has no default, so generated converters drop it.",
    "LAUNCH_MISSING": "An AOT op declares no launch section.",
    "LAUNCH_ATTR_UNKNOWN": "launch.extras names an attribute the plugin does not have.",
    "LAUNCH_ATTR_TYPE": "launch.extras passes an attribute that cannot travel as an int32.",
    "BUILD_SIGNATURE_MISMATCH": "build.signature disagrees with the plugin's inputs, extras and outputs.",
    "CUDA_DRIVER_UNDECLARED": "AOT ops need requires.cuda_driver with a lower bound to check the PTX ISA.",
    "PTX_NOT_BUILT": "An AOT op has no PTX files yet.",
    "PTX_PATH_ESCAPES": "A PTX path points outside the package.",
    "PTX_MISSING": "A PTX file named in the manifest is not in the package.",
    "PTX_HASH_MISMATCH": "A PTX file's sha256 differs from the manifest's: it was altered.",
    "PTX_INVALID": "A PTX file is empty or its header cannot be read.",
    "PTX_TARGET_MISMATCH": "A PTX file's .target differs from the architecture it is declared for.",
    "PTX_ISA_MISMATCH": "The manifest records another PTX ISA than the file's .version.",
    "PTX_ISA_TOO_NEW": "A PTX file's ISA is newer than the oldest declared driver loads.",
    "PTX_KERNEL_MISSING": "A PTX file has no .entry with the declared kernel name.",
    "PTX_PARAMS_MISMATCH": "The kernel's parameters are not TensorRT's AOT order and count.",
    "PTX_STALE": "A kernel source or build option changed after the PTX was built (built_from): rebuild.",
    "PTX_SOURCE_UNAVAILABLE": "A source the PTX was built from is not in the package; staleness was not checked.",
    "LAUNCH_GEOMETRY_MISMATCH": "launch disagrees with the kernel: block_threads vs num_warps or .reqntid/.maxntid, "
                                "elements_per_block vs BLOCK_SIZE.",
    "AUTOTUNE_TYPE_MISMATCH": "An @trtp.autotune combination offers a type the kernel is not compiled for.",
    "PTXAS_FAILED": "ptxas does not assemble a PTX file for its architecture.",
    "PTXAS_UNAVAILABLE": "No ptxas that reads the PTX's ISA was found; the files were not assembled.",
}

#: The fix for PTX that was never built.
BUILD_FIX = ("build the PTX with the hub's build backend: `pip wheel --no-deps -w dist .` in the project, or "
             "`trt-plugin-hub build PACKAGE_DIR`")
#: The fix for PTX that differs from what the build wrote.
REBUILD_FIX = ("rebuild the PTX with the hub's build backend (`trt-plugin-hub build PACKAGE_DIR` or "
               "`pip wheel`) instead of editing PTX or the manifest's ptx list by hand")


@dataclass(frozen=True)
class ValidationFinding:
    """One problem (or note) ``validate`` found: where it is, what is wrong and how to fix it."""

    severity: Severity
    code: str
    file: str
    field: str
    message: str
    fix: str

    def to_dict(self) -> dict[str, str]:
        """The finding as JSON-ready data."""
        return {"severity": Severity(self.severity).value, "code": self.code, "file": self.file, "field": self.field,
                "message": self.message, "fix": self.fix}


@dataclass(frozen=True)
class OpSummary:
    """What was checked for one op, as lines a person reads."""

    id: str
    kind: str
    checked: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """The summary as JSON-ready data."""
        return {"id": self.id, "kind": self.kind, "checked": list(self.checked)}


@dataclass(frozen=True)
class PackageResult:
    """One validated plugin package."""

    package: str
    path: str
    plugin: str | None
    ops: tuple[OpSummary, ...]
    ptx_files: int
    assembled: int

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON-ready data."""
        return {"package": self.package, "path": self.path, "plugin": self.plugin,
                "ops": [op.to_dict() for op in self.ops], "ptx_files": self.ptx_files,
                "assembled": self.assembled}


@dataclass(frozen=True)
class ValidationReport:
    """Everything ``validate`` found for one target."""

    target: str
    kind: str
    packages: tuple[PackageResult, ...]
    findings: tuple[ValidationFinding, ...]
    ptxas: tuple[str, ...] = ()

    def count(self, severity: Severity) -> int:
        """Number of findings of ``severity``."""
        return sum(f.severity == severity for f in self.findings)

    @property
    def ok(self) -> bool:
        """No errors (warnings and notes do not fail validation)."""
        return self.count(Severity.ERROR) == 0

    def codes(self, severity: Severity | None = None) -> list[str]:
        """The finding codes, in order, optionally of one severity only."""
        return [f.code for f in self.findings if severity is None or f.severity == severity]

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (what ``validate --json`` prints)."""
        return envelope("validate", {
            "target": self.target,
            "kind": self.kind,
            "ok": self.ok,
            "summary": {s.value: self.count(s) for s in Severity},
            "ptxas": list(self.ptxas),
            "packages": [p.to_dict() for p in self.packages],
            "findings": [f.to_dict() for f in self.findings],
        })

    def to_json(self) -> str:
        """:meth:`to_dict` as indented JSON."""
        return json.dumps(self.to_dict(), indent=2)



@dataclass
class Findings:
    """Shared state of one validation run: findings, display root and the ptxas tools found."""

    root: Path
    findings: list[ValidationFinding] = field(default_factory=list)
    ptxas_used: dict[str, str] = field(default_factory=dict)
    ptxas_missing: dict[tuple[int, int], int] = field(default_factory=dict)
    # Problems of a whole file (e.g. its __future__ import) are reported once, not once per op.
    reported_files: set[str] = field(default_factory=set)

    def show(self, path: Path) -> str:
        """``path`` as findings name it: relative to :attr:`root` where it lies below it."""
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return path.as_posix()

    def add(self, severity: Severity, code: str, file: str, field_name: str, message: str, fix: str) -> None:
        """Record one finding."""
        self.findings.append(ValidationFinding(severity, code, file, field_name, message, fix))
