"""``validate``: check a plugin package before it is published.

The target is a plugin package directory (the one holding ``trt_plugin.json``), a project
directory (``pyproject.toml`` with ``[tool.trt-plugin-hub] packages``), a built wheel, or the
name of an installed distribution or plugin. Nothing of the package is imported or run: the
manifest is read as data, Python sources are read with :mod:`ast`, PTX as text, and ``ptxas``
only assembles.

Checked, each failure a :class:`ValidationFinding` naming the file, the field and the fix:

* the manifest schema (the same reader activation uses) and the entry point advertising it;
* TensorRT's QDP rules, statically, on the ``@trtp.register`` function of every op: no ``.`` in
  the id, no reserved namespace, attribute names other than ``outputs``/``stream``/``tactic``,
  attribute types TensorRT serialises, no default values, tensors first, and the
  implementation the op's kind needs (``@trtp.impl``, ``@trtp.aot_impl``); the functions
  ``capability_validator`` and a legacy op's ``register`` name are defined;
* the ``torch.library`` op's schema where its ``custom_op`` is in the source: tensors first, the
  same tensors and attributes as the plugin, and a default for every attribute (Torch-TensorRT
  2.7-2.13 builds a generated converter's attributes from schema arguments that have one);
* every PTX file of every AOT op: inside the package, present, sha256 as recorded, ``.target`` as
  declared, the entry kernel present with TensorRT's AOT parameter order (input pointers, the
  int32 ``launch.extras``, output pointers), a PTX ISA every driver admitted by
  ``requires.cuda_driver`` loads, and ``ptxas`` assembling it for its architecture where one is
  found (otherwise an ``info`` finding says so).

Severities follow one rule (see :class:`Severity`): what would fail later is an error.
"""

from __future__ import annotations

from trt_plugin_hub._errors import ValidationTargetError

from .model import VALIDATION_CODES, OpSummary, PackageResult, Severity, ValidationFinding, ValidationReport
from .package import validate_package
from .targets import validate

__all__ = [
    "VALIDATION_CODES",
    "OpSummary",
    "PackageResult",
    "Severity",
    "ValidationFinding",
    "ValidationReport",
    "ValidationTargetError",
    "validate",
    "validate_package",
]
