"""The words of every report: the statuses, and the stable codes with what each means.

A code never changes meaning once released; new situations get new codes. Each code has a
one-line description used by the documentation and by ``trt-plugin-hub explain``. Statuses and
code kinds are ``str`` enums: a member equals its value (``Status.ACTIVE == "active"``), prints as it
(on every Python), and the JSON holds the value.

Reports, decisions and the CLI use them; activation, which runs at every ``import
torch_tensorrt``, does not import this module (making an enum costs more than most of the hub's
modules): it ends an op with a status's value, which its report turns into the ``Status``.
"""

from __future__ import annotations

import enum

__all__ = ["CODES", "CodeKind", "Status", "describe"]


class Status(str, enum.Enum):
    """A plugin's or an op's state. The value is what the JSON says."""

    ACTIVE = "active"
    AVAILABLE = "available"
    REJECTED = "rejected"
    FAILED = "failed"
    DISABLED = "disabled"

    def __str__(self) -> str:  # the same text on 3.10 and 3.12+ (Enum.__format__ changed in 3.12)
        return self.value

    @property
    def usable(self) -> bool:
        """Active here, or able to activate."""
        return self in (Status.ACTIVE, Status.AVAILABLE)

    @property
    def problem(self) -> bool:
        """Rejected or failed: what ``list --strict`` and strict mode report."""
        return self in (Status.REJECTED, Status.FAILED)


class CodeKind(str, enum.Enum):
    """What a code does to its plugin or op: the status it leads to, or a note or warning that blocks nothing."""

    REJECTED = "rejected"
    DISABLED = "disabled"
    FAILED = "failed"
    NOTE = "note"
    WARNING = "warning"

    def __str__(self) -> str:
        return self.value


#: code -> (status it leads to, what it means)
CODES: dict[str, tuple[CodeKind, str]] = {
    # Discovery and manifest
    "ENTRY_POINT_INVALID": (CodeKind.REJECTED, "The entry point's value is not an importable package path."),
    "ENTRY_POINT_NOT_FOUND": (CodeKind.REJECTED, "The package the entry point names cannot be found on sys.path."),
    "ENTRY_POINT_FOREIGN": (
        CodeKind.REJECTED,
        "The entry point names a package its own distribution does not install (or a shadowing copy).",
    ),
    "MANIFEST_MISSING": (CodeKind.REJECTED, "The package has no trt_plugin.json next to its __init__.py."),
    "MANIFEST_UNREADABLE": (
        CodeKind.REJECTED,
        "The manifest file exists but cannot be read, is not UTF-8 or is too large.",
    ),
    "MANIFEST_INVALID": (CodeKind.REJECTED, "The manifest is not valid JSON or does not follow the schema."),
    "MANIFEST_SCHEMA_UNSUPPORTED": (
        CodeKind.REJECTED,
        "The manifest's schema_version is newer than this hub understands.",
    ),
    "DUPLICATE_PLUGIN": (
        CodeKind.REJECTED,
        "Two installed distributions declare the same plugin name; neither activates.",
    ),
    # Controls
    "HUB_DISABLED": (CodeKind.DISABLED, "TRT_PLUGIN_HUB_DISABLE=1 turns the hub off."),
    "AUTOLOAD_DISABLED": (
        CodeKind.NOTE,
        "TRT_PLUGIN_HUB_AUTOLOAD=0: plugins activate only when trt_plugin_hub.load() is called.",
    ),
    "DENIED": (CodeKind.DISABLED, "The plugin matches TRT_PLUGIN_HUB_DENY."),
    "NOT_ALLOWED": (CodeKind.DISABLED, "TRT_PLUGIN_HUB_ALLOW is set and does not name this plugin."),
    "LOCK_MISMATCH": (CodeKind.REJECTED, "The plugin differs from the configured lock file."),
    "NOT_IN_LOCK": (CodeKind.REJECTED, "A lock file is configured and does not list this plugin."),
    # Environment
    "TENSORRT_MISSING": (CodeKind.REJECTED, "TensorRT is not installed."),
    "TENSORRT_TOO_OLD": (CodeKind.REJECTED, "QDP plugins need TensorRT >= 10.7."),
    "TENSORRT_NO_QDP": (
        CodeKind.REJECTED,
        "tensorrt.plugin does not import here, or this Torch-TensorRT switches QDP off for this TensorRT.",
    ),
    "TORCH_MISSING": (CodeKind.REJECTED, "PyTorch is not installed."),
    "TORCH_TENSORRT_MISSING": (CodeKind.REJECTED, "Torch-TensorRT is not installed."),
    "TORCH_TENSORRT_TOO_OLD": (CodeKind.REJECTED, "Converter generation needs Torch-TensorRT >= 2.6."),
    "TORCH_TENSORRT_NEEDS_TENSORRT_10_9": (
        CodeKind.REJECTED,
        "Torch-TensorRT >= 2.8 generates converters that need TensorRT >= 10.9.",
    ),
    "REQUIREMENT_UNMET": (CodeKind.REJECTED, "A version the plugin declares in requires is not satisfied."),
    "REQUIREMENT_UNKNOWN": (CodeKind.REJECTED, "A required version could not be determined on this host."),
    "COMPUTE_CAPABILITY_UNSUPPORTED": (
        CodeKind.REJECTED,
        "The GPU's compute capability is outside the declared range.",
    ),
    "NO_GPU": (CodeKind.REJECTED, "No NVIDIA GPU was found; plugins need one to build engines."),
    # Ops
    "AOT_UNSUPPORTED": (CodeKind.REJECTED, "An AOT op needs TensorRT >= 10.9 and Torch-TensorRT >= 2.8."),
    "KERNELS_UNSUPPORTED": (
        CodeKind.REJECTED,
        "A kernels op needs torch_tensorrt.kernels.ptx_op (Torch-TensorRT >= 2.13) with the signature the hub calls.",
    ),
    "AOT_FALLBACK_JIT": (CodeKind.NOTE, "The op runs its JIT implementation because AOT is not possible here."),
    "PTX_NO_MATCH": (CodeKind.REJECTED, "No packaged PTX file runs on this GPU's architecture."),
    "PTX_ISA_TOO_NEW": (CodeKind.REJECTED, "The PTX ISA version is newer than the driver can load."),
    "PTX_MISSING": (CodeKind.REJECTED, "A PTX file named in the manifest is not in the package."),
    "PTX_HASH_MISMATCH": (CodeKind.REJECTED, "A PTX file's sha256 does not match the manifest: it was altered."),
    "PTX_PATH_ESCAPES": (CodeKind.REJECTED, "A PTX path points outside the plugin's package."),
    "PTX_INVALID": (CodeKind.REJECTED, "A PTX file is empty or its header cannot be read."),
    "PTX_TARGET_MISMATCH": (
        CodeKind.REJECTED,
        "A PTX file's .target differs from the architecture it is declared for.",
    ),
    "NUMPY_SCALAR_ATTRIBUTES": (
        CodeKind.REJECTED,
        "The op has int/float attributes, which TensorRT < 11.2.1 cannot pass with numpy >= 2.4.",
    ),
    "AOT_IMPL_SIGNATURE": (
        CodeKind.REJECTED,
        "The op's aot_impl does not take every attribute, as TensorRT's engine build calls it.",
    ),
    "OP_NAMESPACE_RESERVED": (
        CodeKind.REJECTED,
        ("The op is in a namespace of PyTorch, Torch-TensorRT or TensorRT and is not allowed by "
         "TRT_PLUGIN_HUB_ALLOW_OPS."),
    ),
    "OP_ALREADY_DEFINED": (
        CodeKind.REJECTED,
        "The op exists before its plugin's module is imported (PyTorch's or another package's).",
    ),
    "CONFLICT_LOST": (CodeKind.REJECTED, "Another plugin claims the same op with higher precedence."),
    "CONFLICT_WON": (CodeKind.NOTE, "Other plugins claim the same op; this one was chosen."),
    # Activation
    "IMPORT_FAILED": (CodeKind.FAILED, "Importing the op's defining module raised."),
    "OP_NOT_DEFINED": (CodeKind.FAILED, "After import, torch.ops has no such op or overload."),
    "QDP_NOT_REGISTERED": (CodeKind.FAILED, "After import, the op is not in TensorRT's QDP registry."),
    "VALIDATOR_UNRESOLVED": (
        CodeKind.FAILED,
        "The capability validator 'module:function' does not resolve to a callable.",
    ),
    "CONVERTER_FAILED": (CodeKind.FAILED, "Generating or registering the converter raised."),
    "CONVERTER_NOT_REGISTERED": (CodeKind.FAILED, "After generation, the overload is not in DYNAMO_CONVERTERS."),
    "LEGACY_REGISTER_FAILED": (CodeKind.FAILED, "The package's own converter registration function raised."),
    "FUNCTION_UNRESOLVED": (
        CodeKind.FAILED,
        "A kernels op's meta, eager or aot 'module:function' does not resolve to a callable.",
    ),
    "KERNELS_SELF_REGISTERED": (
        CodeKind.FAILED,
        "Importing a kernels op's module registered the op itself; the hub registers kernels ops.",
    ),
    "KERNELS_FORMATS_FAILED": (
        CodeKind.FAILED,
        "Restricting a kernels op to its declared formats (trtp.autotune) raised; its converter exists.",
    ),
    "KERNELS_REGISTER_FAILED": (
        CodeKind.FAILED,
        "torch_tensorrt.kernels.ptx_op raised; the op may stay half-registered until the process restarts.",
    ),
    "UNDECLARED_OP": (CodeKind.WARNING, "The plugin registered a QDP op its manifest does not declare."),
    "INTERNAL_ERROR": (CodeKind.FAILED, "The hub itself failed while handling this plugin (a bug: please report it)."),
    "ALREADY_REGISTERED": (
        CodeKind.NOTE,
        "The op was already registered in this process; nothing was registered twice.",
    ),
}


def describe(code: str) -> str:
    """Return the one-line description of ``code`` (empty for an unknown code)."""
    entry = CODES.get(code)
    return entry[1] if entry else ""
