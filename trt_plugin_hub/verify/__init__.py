"""``trt-plugin-hub verify``: run every AOT op's shipped PTX on this GPU, without TensorRT.

For each AOT op of the installed plugin packages (or of the packages named with ``--package``)
the command

1. chooses and verifies the PTX for this GPU exactly as activation does
   (the same PTX checks: architecture, sha256, target, ISA, entry);
2. loads it through the CUDA driver (``cuModuleLoadData``, cuda-python) and launches it the way
   TensorRT launches an AOT plugin: parameters in the order input pointers, int32 extras, output
   pointers; grid and block from the manifest's ``launch`` section;
3. compares every output with the op's eager PyTorch reference on fresh random inputs at several
   shapes (sizes that are not multiples of the block included), with the outputs poisoned (NaN)
   before every launch and a poisoned guard region after them, so unwritten elements and writes
   past the end are both caught;
4. times the kernel, a device-to-device copy moving the same number of bytes and the eager
   reference expression, in the same run, and reports achieved bandwidth (bytes read plus
   written over time) and its ratio to both.

TensorRT is not needed: this is what proves, on a GPU host, that a package's PTX loads with the
real driver, runs with TensorRT's argument order and computes the op. The pure parts (argument
packing, shapes, the result schema and the table) import neither torch nor cuda-python.

The eager reference of op ``ns::name`` is the op's ``x-reference`` (``"module:function"``) in
``trt_plugin.json``, else ``reference_<name>`` in the package's ``ops`` module. An op's
``x-verify`` object may set ``attrs`` (attribute values to test with), ``dtype`` and ``rtol``.
"""

from __future__ import annotations

from ._device import Unavailable
from ._model import (
    DEFAULT_RTOL,
    DEFAULT_SIZES,
    REPORT_SCHEMA,
    OpResult,
    SizeResult,
    VerifyReport,
    VerifySettings,
    VerifyStatus,
    parse_shape,
    parse_sizes,
)
from ._run import run_verify
from ._table import format_table

__all__ = [
    "DEFAULT_RTOL",
    "DEFAULT_SIZES",
    "REPORT_SCHEMA",
    "OpResult",
    "SizeResult",
    "Unavailable",
    "VerifyReport",
    "VerifySettings",
    "VerifyStatus",
    "format_table",
    "parse_shape",
    "parse_sizes",
    "run_verify",
]
