"""Stable machine codes for every decision the hub makes.

A code never changes meaning once released; new situations get new codes. Each code has a
one-line description used by the documentation and by ``trt-plugin-hub explain``.
"""

from __future__ import annotations

__all__ = ["CODES", "describe"]

#: code -> (status it leads to, what it means)
CODES: dict[str, tuple[str, str]] = {
    # Discovery and manifest
    "ENTRY_POINT_INVALID": ("rejected", "The entry point's value is not an importable package path."),
    "ENTRY_POINT_NOT_FOUND": ("rejected", "The package the entry point names cannot be found on sys.path."),
    "ENTRY_POINT_FOREIGN": (
        "rejected",
        "The entry point names a package its own distribution does not install (or a shadowing copy).",
    ),
    "MANIFEST_MISSING": ("rejected", "The package has no trt_plugin.json next to its __init__.py."),
    "MANIFEST_UNREADABLE": ("rejected", "The manifest file exists but cannot be read, is not UTF-8 or is too large."),
    "MANIFEST_INVALID": ("rejected", "The manifest is not valid JSON or does not follow the schema."),
    "MANIFEST_SCHEMA_UNSUPPORTED": ("rejected", "The manifest's schema_version is newer than this hub understands."),
    "DUPLICATE_PLUGIN": ("rejected", "Two installed distributions declare the same plugin name; neither activates."),
    # Controls
    "HUB_DISABLED": ("disabled", "TRT_PLUGIN_HUB_DISABLE=1 turns the hub off."),
    "AUTOLOAD_DISABLED": ("disabled", "Automatic loading is switched off; call trt_plugin_hub.load()."),
    "DENIED": ("disabled", "The plugin matches TRT_PLUGIN_HUB_DENY."),
    "NOT_ALLOWED": ("disabled", "TRT_PLUGIN_HUB_ALLOW is set and does not name this plugin."),
    "LOCK_MISMATCH": ("rejected", "The plugin differs from the configured lock file."),
    "NOT_IN_LOCK": ("rejected", "A lock file is configured and does not list this plugin."),
    # Environment
    "TENSORRT_MISSING": ("rejected", "TensorRT is not installed."),
    "TENSORRT_TOO_OLD": ("rejected", "QDP plugins need TensorRT >= 10.7."),
    "TENSORRT_NO_QDP": (
        "rejected",
        "tensorrt.plugin does not import here, or this Torch-TensorRT switches QDP off for this TensorRT.",
    ),
    "TORCH_MISSING": ("rejected", "PyTorch is not installed."),
    "TORCH_TENSORRT_MISSING": ("rejected", "Torch-TensorRT is not installed."),
    "TORCH_TENSORRT_TOO_OLD": ("rejected", "Converter generation needs Torch-TensorRT >= 2.6."),
    "TORCH_TENSORRT_NEEDS_TENSORRT_10_9": (
        "rejected",
        "Torch-TensorRT >= 2.8 generates converters that need TensorRT >= 10.9.",
    ),
    "REQUIREMENT_UNMET": ("rejected", "A version the plugin declares in requires is not satisfied."),
    "REQUIREMENT_UNKNOWN": ("rejected", "A required version could not be determined on this host."),
    "COMPUTE_CAPABILITY_UNSUPPORTED": ("rejected", "The GPU's compute capability is outside the declared range."),
    "NO_GPU": ("rejected", "No NVIDIA GPU was found; plugins need one to build engines."),
    # Ops
    "AOT_UNSUPPORTED": ("rejected", "An AOT op needs TensorRT >= 10.9 and Torch-TensorRT >= 2.8."),
    "AOT_FALLBACK_JIT": ("note", "The op runs its JIT implementation because AOT is not possible here."),
    "PTX_NO_MATCH": ("rejected", "No packaged PTX file runs on this GPU's architecture."),
    "PTX_ISA_TOO_NEW": ("rejected", "The PTX ISA version is newer than the driver can load."),
    "PTX_MISSING": ("rejected", "A PTX file named in the manifest is not in the package."),
    "PTX_HASH_MISMATCH": ("rejected", "A PTX file's sha256 does not match the manifest: it was altered."),
    "PTX_PATH_ESCAPES": ("rejected", "A PTX path points outside the plugin's package."),
    "PTX_INVALID": ("rejected", "A PTX file is empty or its header cannot be read."),
    "PTX_TARGET_MISMATCH": ("rejected", "A PTX file's .target differs from the architecture it is declared for."),
    "NUMPY_SCALAR_ATTRIBUTES": (
        "rejected",
        "The op has int/float attributes, which TensorRT < 11.2.1 cannot pass with numpy >= 2.4.",
    ),
    "AOT_IMPL_SIGNATURE": (
        "rejected",
        "The op's aot_impl does not take every attribute, as TensorRT's engine build calls it.",
    ),
    "OP_NAMESPACE_RESERVED": (
        "rejected",
        "The op is in a namespace of PyTorch, Torch-TensorRT or TensorRT and is not allowed by TRT_PLUGIN_HUB_ALLOW_OPS.",
    ),
    "OP_ALREADY_DEFINED": (
        "rejected",
        "The op exists before its plugin's module is imported (PyTorch's or another package's).",
    ),
    "CONFLICT_LOST": ("rejected", "Another plugin claims the same op with higher precedence."),
    "CONFLICT_WON": ("note", "Other plugins claim the same op; this one was chosen."),
    # Activation
    "IMPORT_FAILED": ("failed", "Importing the op's defining module raised."),
    "OP_NOT_DEFINED": ("failed", "After import, torch.ops has no such op or overload."),
    "QDP_NOT_REGISTERED": ("failed", "After import, the op is not in TensorRT's QDP registry."),
    "VALIDATOR_UNRESOLVED": ("failed", "The capability validator 'module:function' does not resolve to a callable."),
    "CONVERTER_FAILED": ("failed", "Generating or registering the converter raised."),
    "CONVERTER_NOT_REGISTERED": ("failed", "After generation, the overload is not in DYNAMO_CONVERTERS."),
    "LEGACY_REGISTER_FAILED": ("failed", "The package's own converter registration function raised."),
    "UNDECLARED_OP": ("warning", "The plugin registered a QDP op its manifest does not declare."),
    "INTERNAL_ERROR": ("failed", "The hub itself failed while handling this plugin (a bug: please report it)."),
    "ALREADY_REGISTERED": ("note", "The op was already registered in this process; nothing was registered twice."),
}


def describe(code: str) -> str:
    """Return the one-line description of ``code`` (empty for an unknown code)."""
    entry = CODES.get(code)
    return entry[1] if entry else ""
