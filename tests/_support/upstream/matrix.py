"""The version matrix: cells, the plugins installed in every cell, what runs in a cell, what is right.

Every cell is a fresh interpreter over one release's real Python layers (see
:mod:`upstream`), with the example wheel and four small matrix plugins installed. In the cell
the hub activates plugins at ``import torch_tensorrt`` (a GPU of compute capability 9.0 behind a
580 driver is described with ``TRT_PLUGIN_HUB_TARGET``); then every op is converted the way
Torch-TensorRT's interpreter does (:mod:`drive`), and every op the hub refused for an upstream
reason is converted once more through upstream's generator directly, bypassing the hub, to show
that the refusal was right.

:func:`expected` states, from upstream facts alone, what each op must end as in a cell; the
test compares the hub's report with it. :func:`render_docs` turns the results into
``docs/support_matrix.rst``.
"""

from __future__ import annotations

import hashlib
import json
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from packaging.version import Version

from . import Cell

TARGET = "sm_90, driver=580"
TARGET_ARCHES = ("sm_90a", "sm_90")  # what the hub must choose for compute capability 9.0

RELEASES = ("2.6.0", "2.7.0", "2.8.0", "2.9.0", "2.10.0", "2.11.0", "2.12.0", "2.13.0", "2.14.0")
NUMPYS = ("lt2.4", "newest")
CELLS: tuple[Cell, ...] = tuple(
    Cell(release, layout, numpy)
    for release, layouts in [(r, ("pip",)) for r in RELEASES] + [
        ("2.6.0", ("tarball",)), ("2.7.0", ("tarball", "pip-frontend")), ("2.8.0", ("tarball",)),
        ("2.9.0", ("tarball", "pip-frontend")), ("2.10.0", ("pip-frontend",))]
    for layout in layouts
    for numpy in NUMPYS
)
LAYOUT_NAMES = {"pip": "pip (as torch-tensorrt pins it)", "pip-frontend": "pip, tensorrt-cuXX alone",
                "tarball": "tarball (one tensorrt package)"}

# ----------------------------------------------------------------------------------------------
# The matrix plugins


def _ptx(arch: str, kernel: str, extras: int) -> bytes:
    """A small PTX entry in TensorRT's AOT order: input pointer, int32 extras, output pointer."""
    params = ([f"\t.param .u64 .ptr .global .align 1 {kernel}_param_0"]
              + [f"\t.param .u32 {kernel}_param_{i + 1}" for i in range(extras)]
              + [f"\t.param .u64 .ptr .global .align 1 {kernel}_param_{extras + 1}"])
    return (f"//\n// matrix test kernel\n//\n.version 8.7\n.target {arch}\n.address_size 64\n\n"
            f".visible .entry {kernel}(\n" + ",\n".join(params) + "\n)\n{\n\tret;\n}\n").encode("ascii")


def _aot(op_id: str, kernel: str, extras: list[str], files: dict[str, bytes],
         **extra: Any) -> dict[str, Any]:
    name = op_id.split("::")[1]
    ptx = []
    for arch in ("sm_80", "sm_90a"):
        data = _ptx(arch, kernel, len(extras))
        path = f"ptx/{name}.{arch}.ptx"
        files[path] = data
        ptx.append({"arch": arch, "path": path, "kernel": kernel, "sha256": hashlib.sha256(data).hexdigest(),
                    "isa": "8.7"})
    return {"id": op_id, "kind": "aot", "module": "matrix_aot_ops.qdp", "ptx": ptx,
            "launch": {"block_threads": 128, "elements_per_block": 256, "extras": extras}, **extra}


_HEAD = '''
from typing import Any, List, Tuple, Union
import numpy as np
import torch
import tensorrt.plugin as trtp
from trt_plugin_hub.aot import launch
'''


def _torch_op(op_id: str, params: str, body: str) -> str:
    fn = op_id.replace("::", "_")
    return textwrap.dedent(f'''
        @torch.library.custom_op({op_id!r}, mutates_args=())
        def {fn}({params}) -> torch.Tensor:
            return {body}

        @{fn}.register_fake
        def _({params}) -> torch.Tensor:
            return torch.empty_like(x)
    ''')


def _qdp(op_id: str, attrs: str, *, aot: str | None = None, impl: bool = True) -> str:
    sig = f"x: trtp.TensorDesc{attrs}"
    text = textwrap.dedent(f'''
        @trtp.register({op_id!r})
        def _({sig}) -> Tuple[trtp.TensorDesc]:
            return (x.like(),)

        @trtp.autotune({op_id!r})
        def _(x: trtp.TensorDesc, outputs: Tuple[trtp.TensorDesc]) -> List[trtp.AutoTuneCombination]:
            return [trtp.AutoTuneCombination("FP32, FP32", "LINEAR")]
    ''')
    if impl:
        text += textwrap.dedent(f'''
            @trtp.impl({op_id!r})
            def _(x: trtp.Tensor{attrs.replace("TensorDesc", "Tensor")}, outputs: Tuple[trtp.Tensor], stream: int) -> None:
                pass
        ''')
    if aot is not None:
        text += aot
    return text


_KERNELS_FUNCTIONS = '''
import torch
from trt_plugin_hub.aot import launch_params


def axpb_meta(x: torch.Tensor, a: float) -> torch.Tensor:
    return torch.empty_like(x)


def axpb_eager(x: torch.Tensor, a: float) -> torch.Tensor:
    return x * a + 1


def axpb_aot(inputs, outputs, tactic):
    # Hand-written: ptx_op hands it the tensor descriptors only (never the attribute a).
    return launch_params("mkern::axpb", inputs)


def plain_meta(x: torch.Tensor) -> torch.Tensor:
    return torch.empty_like(x)
'''

_KERNELS_SELF_REGISTERING = '''
import torch


# Defines the op itself at import: the hub must refuse it (KERNELS_SELF_REGISTERED).
@torch.library.custom_op("mkern::selfreg", mutates_args=())
def selfreg(x: torch.Tensor) -> torch.Tensor:
    return x.clone()


@selfreg.register_fake
def _(x):
    return torch.empty_like(x)


def selfreg_meta(x: torch.Tensor) -> torch.Tensor:
    return torch.empty_like(x)
'''


def _kernels(op_id: str, kernel: str, files: dict[str, bytes], **fields: Any) -> dict[str, Any]:
    entry = _aot(op_id, kernel, ["numel"], files)
    entry.update({"kind": "kernels", "module": "matrix_kernels_ops.fns", **fields})
    return entry


def matrix_plugins() -> list[dict[str, Any]]:
    """Source of the four matrix plugins (a JIT-only one claiming 2.6, an AOT one, a legacy one, a kernels one)."""
    jit_ops = [
        # Declares the default overload by name: upstream needs None for it.
        {"id": "mjit::twice", "kind": "jit", "module": "matrix_jit_ops.qdp", "overload": "default"},
        {"id": "mjit::add_n", "kind": "jit", "module": "matrix_jit_ops.qdp"},
        {"id": "mjit::gate", "kind": "jit", "module": "matrix_jit_ops.qdp"},
    ]
    jit_source = _HEAD + "".join([
        _torch_op("mjit::twice", "x: torch.Tensor", "x * 2"),
        _qdp("mjit::twice", ""),
        _torch_op("mjit::add_n", "x: torch.Tensor, n: int = 1", "x + n"),
        _qdp("mjit::add_n", ", n: int"),
        _torch_op("mjit::gate", "x: torch.Tensor, on: bool = True", "x if on else x * 0"),
        _qdp("mjit::gate", ", on: bool"),
    ])
    aot_files: dict[str, bytes] = {}
    aot_ops = [
        _aot("maot::neg", "neg_kernel", ["numel"], aot_files),
        _aot("maot::shift", "shift_kernel", ["numel", "attr:k"], aot_files),
        _aot("maot::partial", "partial_kernel", ["numel"], aot_files),
    ]
    aot_impl = '''
@trtp.aot_impl({op!r})
def _(x: trtp.TensorDesc{attrs}, outputs: Tuple[trtp.TensorDesc], tactic: int
      ) -> Tuple[Union[str, bytes], Union[str, bytes], trtp.KernelLaunchParams, trtp.SymExprs]:
    return launch({op!r}, inputs=(x,){call})
'''
    aot_source = _HEAD + "".join([
        _torch_op("maot::neg", "x: torch.Tensor", "-x"),
        _qdp("maot::neg", "", aot=aot_impl.format(op="maot::neg", attrs="", call=""), impl=False),
        _torch_op("maot::shift", "x: torch.Tensor, k: int = 1", "x + k"),
        _qdp("maot::shift", ", k: int", aot=aot_impl.format(op="maot::shift", attrs=", k: int",
                                                          call=", attrs={'k': k}"), impl=False),
        # Registers attribute k but its aot_impl does not take it: TensorRT's build would fail.
        _torch_op("maot::partial", "x: torch.Tensor, k: int = 1", "x + k"),
        _qdp("maot::partial", ", k: int", aot=aot_impl.format(op="maot::partial", attrs="", call=""), impl=False),
    ])
    legacy_source = textwrap.dedent('''
        from typing import Any, List, Tuple
        import torch

        @torch.library.custom_op("mleg::plus_one", mutates_args=())
        def plus_one(x: torch.Tensor) -> torch.Tensor:
            return x + 1

        @plus_one.register_fake
        def _(x):
            return torch.empty_like(x)

        def register() -> None:
            import tensorrt.plugin as trtp
            from torch_tensorrt.dynamo.conversion._ConverterRegistry import dynamo_tensorrt_converter

            @trtp.register("mleg::plus_one")
            def _(x: trtp.TensorDesc) -> Tuple[trtp.TensorDesc]:
                return (x.like(),)

            @trtp.impl("mleg::plus_one")
            def _(x: trtp.Tensor, outputs: Tuple[trtp.Tensor], stream: int) -> None:
                pass

            @dynamo_tensorrt_converter(torch.ops.mleg.plus_one.default, supports_dynamic_shapes=True)
            def convert(ctx: Any, target: Any, args: Any, kwargs: Any, name: str) -> Any:
                # The one-argument overload exists in every release (aot= only from 10.9).
                layer = ctx.net.add_plugin(trtp.op.mleg.plus_one(args[0]))
                return layer.get_output(0)
    ''')
    kernels_files: dict[str, bytes] = {}
    kernels_ops = [
        _kernels("mkern::axpb", "axpb_kernel", kernels_files, schema="(Tensor x, float a) -> Tensor",
                 meta="matrix_kernels_ops.fns:axpb_meta", eager="matrix_kernels_ops.fns:axpb_eager",
                 aot="matrix_kernels_ops.fns:axpb_aot", priority="high", supports_dynamic_shapes=True),
        _kernels("mkern::selfreg", "selfreg_kernel", kernels_files, schema="(Tensor x) -> Tensor",
                 module="matrix_kernels_ops.selfreg", meta="matrix_kernels_ops.selfreg:selfreg_meta"),
    ]
    return [
        {"dist": "matrix-kernels-ops", "package": "matrix_kernels_ops", "name": "matrix-kernels",
         "requires": {"torch_tensorrt": ">=2.6", "tensorrt": ">=10.7"}, "ops": kernels_ops,
         "modules": {"fns": _KERNELS_FUNCTIONS, "selfreg": _KERNELS_SELF_REGISTERING}, "files": kernels_files},
        {"dist": "matrix-jit-ops", "package": "matrix_jit_ops", "name": "matrix-jit",
         "requires": {"torch_tensorrt": ">=2.6", "tensorrt": ">=10.7"}, "ops": jit_ops,
         "modules": {"qdp": jit_source}, "files": {}},
        {"dist": "matrix-aot-ops", "package": "matrix_aot_ops", "name": "matrix-aot",
         "requires": {"torch_tensorrt": ">=2.8", "tensorrt": ">=10.9"}, "ops": aot_ops,
         "modules": {"qdp": aot_source}, "files": aot_files},
        {"dist": "matrix-legacy-ops", "package": "matrix_legacy_ops", "name": "matrix-legacy",
         "requires": {"torch_tensorrt": ">=2.6", "tensorrt": ">=10.7"},
         "ops": [{"id": "mleg::plus_one", "kind": "legacy", "module": "matrix_legacy_ops.legacy",
                  "register": "matrix_legacy_ops.legacy:register"}],
         "modules": {"legacy": legacy_source}, "files": {}},
    ]


#: How each op is called in the converted graph: input shapes and attribute arguments.
CALLS: dict[str, tuple[list[list[int]], list[Any]]] = {
    "example_plugin::scaled_add": ([[4, 300], [4, 300]], [2.0]),
    "example_plugin::relu_aot": ([[4, 300]], []),
    "example_plugin::scale_nvrtc": ([[4, 300]], [3.0]),
    "example_plugin::leaky_relu_legacy": ([[4, 300]], [0.1]),
    "example_plugin::square_kernels": ([[4, 300]], []),
    "mjit::twice": ([[4, 300]], []),
    "mjit::add_n": ([[4, 300]], [3]),
    "mjit::gate": ([[4, 300]], [False]),
    "maot::neg": ([[4, 300]], []),
    "maot::shift": ([[4, 300]], [5]),
    "maot::partial": ([[4, 300]], [5]),
    "mleg::plus_one": ([[4, 300]], []),
    "mkern::axpb": ([[4, 300]], [0.5]),
}
ATTRIBUTE_TYPES = {"example_plugin::scaled_add": "float", "example_plugin::scale_nvrtc": "float",
                   "mjit::add_n": "int", "maot::shift": "int", "maot::partial": "int"}

# ----------------------------------------------------------------------------------------------
# What runs in a cell

CELL_SCRIPT = '''
import json, sys
CALLS = json.loads(sys.argv[1])
out = {"facts": {}, "ops": {}, "convert": {}, "bypass": {}, "kernels": {}}
facts = out["facts"]
import numpy
facts["numpy"] = numpy.__version__
try:
    import torch, torch_tensorrt
    facts["torch_tensorrt_import"] = None
except BaseException as exc:
    facts["torch_tensorrt_import"] = f"{type(exc).__name__}: {exc}"[:300]
import tensorrt
facts["tensorrt"] = tensorrt.__version__
try:
    import tensorrt.plugin
    facts["qdp_imports"] = True
except Exception:
    facts["qdp_imports"] = False
try:
    import tensorrt.plugin._lib
    facts["qdp_lib_imports"] = True
except Exception:
    facts["qdp_lib_imports"] = False
try:
    from torch_tensorrt._features import ENABLED_FEATURES
    facts["qdp_feature"] = getattr(ENABLED_FEATURES, "qdp_plugin", None)
except Exception:
    facts["qdp_feature"] = None
import trt_plugin_hub
from trt_plugin_hub import _pipeline
report = _pipeline.loaded_report()
facts["autoloaded"] = report is not None
if report is None:
    report = trt_plugin_hub.load()
for plugin in report.plugins:
    for op in plugin.ops:
        out["ops"][op.id] = {"plugin": plugin.name, "plugin_status": plugin.status, "status": op.status,
                             "mode": op.mode, "kind": op.kind,
                             "reasons": [[r.code, r.message] for r in op.reasons],
                             "plugin_reasons": [[r.code, r.message] for r in plugin.reasons]}
if facts["torch_tensorrt_import"] is None:
    from drive import convert, kernels_registration
    for op_id, hub in out["ops"].items():
        codes = [c for c, _ in hub["reasons"]]
        if hub["kind"] == "kernels" and hub["status"] == "active":
            out["kernels"][op_id] = kernels_registration(op_id)
            # The same op in an fp16 network: only the formats the manifest declares are offered.
            ns, name = op_id.split("::")
            shapes, attrs = CALLS[op_id]
            out["kernels"][op_id]["fp16"] = convert(getattr(getattr(torch.ops, ns), name).default, shapes, attrs,
                                                    dtype="float16")
        elif "KERNELS_UNSUPPORTED" in codes:
            # Bypass the hub: is there a torch_tensorrt.kernels.ptx_op to call?
            try:
                from torch_tensorrt.kernels import ptx_op
                out["bypass"][op_id] = {"ok": True}
            except Exception as exc:
                out["bypass"][op_id] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    for op_id, (shapes, attrs) in CALLS.items():
        ns, name = op_id.split("::")
        packet = getattr(torch.ops, ns, None)
        if packet is None or not hasattr(packet, name):
            continue
        target = getattr(getattr(torch.ops, ns), name).default
        out["convert"][op_id] = convert(target, shapes, attrs)
        codes = [c for c, _ in out["ops"].get(op_id, {}).get("reasons", [])]
        if any(c in ("NUMPY_SCALAR_ATTRIBUTES", "AOT_IMPL_SIGNATURE") for c in codes):
            # Bypass the hub: what would the user get from upstream's generator directly?
            from torch_tensorrt.dynamo.conversion.plugins._generate_plugin_converter import (
                _generate_plugin_converter)
            try:
                _generate_plugin_converter(ns, name)
                out["bypass"][op_id] = convert(target, shapes, attrs)
            except Exception as exc:
                out["bypass"][op_id] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
print("MATRIX-RESULT " + json.dumps(out))
'''


def parse_output(stdout: str) -> dict[str, Any]:
    for line in reversed(stdout.splitlines()):
        if line.startswith("MATRIX-RESULT "):
            return json.loads(line[len("MATRIX-RESULT "):])
    raise ValueError("the cell printed no result")


# ----------------------------------------------------------------------------------------------
# What is right, from upstream facts alone


def _v(text: str) -> tuple[int, ...]:
    return Version(text).release + (0, 0, 0)


def expected(op_id: str, kind: str, requires: Mapping[str, str], facts: Mapping[str, Any],
             torch_tensorrt: str) -> tuple[str, str]:
    """(status, mode-or-code) that ``op_id`` must end in, given the facts measured in the cell."""
    from packaging.specifiers import SpecifierSet

    trt, tt, numpy = facts["tensorrt"], torch_tensorrt, facts["numpy"]
    versions = {"tensorrt": trt, "torch_tensorrt": tt}
    for key, spec in requires.items():
        if key in versions and not SpecifierSet(spec).contains(versions[key], prereleases=True):
            return "rejected", "REQUIREMENT_UNMET"
    if kind == "legacy" and (facts["torch_tensorrt_import"] or not facts["qdp_imports"]):
        # Both legacy packages register a QDP plugin inside their register function.
        return "failed", "LEGACY_REGISTER_FAILED"
    if kind != "legacy":
        if not facts["qdp_lib_imports"]:
            return "rejected", "TENSORRT_NO_QDP"
        # Each release's own _features.py: 2.10+ switch QDP off for 10.14.x, 2.11/2.12 also 10.15.x.
        trt2, tt2 = _v(trt)[:2], _v(tt)[:2]
        if (tt2 >= (2, 10) and trt2 == (10, 14)) or (tt2 in ((2, 11), (2, 12)) and trt2 == (10, 15)):
            return "rejected", "TENSORRT_NO_QDP"
        if kind == "aot" and (tt2 < (2, 8) or trt2 < (10, 9)):
            return "rejected", "AOT_UNSUPPORTED"
        if kind == "kernels":
            # torch_tensorrt.kernels (ptx_op) is new in 2.13; it annotates scalar attributes as
            # one-element arrays, so numpy 2.4 does not break them.
            if tt2 < (2, 13):
                return "rejected", "KERNELS_UNSUPPORTED"
            if op_id == "mkern::selfreg":
                return "failed", "KERNELS_SELF_REGISTERED"
            return "active", "aot"
        # numpy 2.4 made float()/int() of a 1-D array an error; TensorRT 11.2.1 reads fields as scalars.
        if (ATTRIBUTE_TYPES.get(op_id) in ("int", "float") and _v(numpy)[:2] >= (2, 4)
                and _v(trt)[:3] < (11, 2, 1)):
            return "rejected", "NUMPY_SCALAR_ATTRIBUTES"
        if op_id == "maot::partial":
            return "rejected", "AOT_IMPL_SIGNATURE"
    return "active", {"legacy": "legacy"}.get(kind, kind)


# ----------------------------------------------------------------------------------------------
# The support matrix page


def render_docs(rows: Sequence[dict[str, Any]]) -> str:
    """``docs/support_matrix.rst`` from the matrix results (deterministic: no timings)."""
    ops = sorted({op for row in rows for op in row["ops"]}, key=lambda o: (not o.startswith("example"), o))
    lines = [
        ".. This page is generated by the version-matrix test run (tests/test_upstream_matrix.py);",
        "   do not edit it by hand: run ``python -m pytest tests/test_upstream_matrix.py --write-support-matrix``.",
        "",
        "Support matrix",
        "==============",
        "",
        "Every row is one cell of the version matrix the test suite runs: the real Python layers of",
        "that Torch-TensorRT release and the TensorRT it pins, downloaded from the package registry and",
        "run with only TensorRT's compiled module replaced by the tests' stand-in. In each cell the hub",
        "activates the example package and three small test plugins at ``import torch_tensorrt`` for a",
        "compute capability 9.0 GPU, every op is converted as Torch-TensorRT's interpreter converts it,",
        "and AOT plugin layers are asked for their kernel and launch parameters as TensorRT's builder",
        "asks. ``aot`` and ``jit`` mean the op converted into a plugin layer of that kind; a code means",
        "the hub refused the op (:doc:`decisions` lists every code), and the tests checked that the",
        "refusal is right; for ``NUMPY_SCALAR_ATTRIBUTES`` and ``AOT_IMPL_SIGNATURE`` by converting the",
        "op through upstream's generator directly and seeing it fail, for ``KERNELS_UNSUPPORTED`` by",
        "importing ``torch_tensorrt.kernels.ptx_op`` and seeing it missing. ``square_kernels`` and",
        "``axpb`` are kernels ops (``torch_tensorrt.kernels``), registered by the hub through one",
        "``ptx_op`` call with the PTX it chose and verified; ``aot`` there means that call's converter",
        "built an AOT plugin layer.",
        "",
        "PyTorch in every cell is the test environment's (2.13, CPU build), not the release each",
        "Torch-TensorRT pins; the GPU, driver and engine build cannot run on the test hosts.",
        "",
        "Layouts: **pip** is what ``pip install torch-tensorrt==X`` installs (the ``tensorrt-cuXX``",
        "frontend, the bindings, and up to 2.13 the ``tensorrt`` package, which for TensorRT 10.7-10.13",
        "is what ships ``tensorrt/plugin``); **pip, tensorrt-cuXX alone** is the frontend and bindings",
        "without the ``tensorrt`` package; **tarball** is the single ``tensorrt`` package of TensorRT's",
        "tarball install.",
        "",
    ]
    groups = [("example package", [o for o in ops if o.startswith("example")]),
              ("matrix test plugins", [o for o in ops if not o.startswith("example")])]
    for title, group in groups:
        lines += [title[0].upper() + title[1:], "-" * len(title), ""]
        header = ["Torch-TensorRT", "TensorRT", "layout", "numpy"] + [o.split("::")[1] for o in group]
        table = [header]
        for row in rows:
            cells = [row["torch_tensorrt"], row["tensorrt"], LAYOUT_NAMES[row["layout"]], row["numpy"]]
            for op in group:
                cells.append(row["ops"].get(op, "-"))
            table.append(cells)
        lines += _list_table(table)
        lines.append("")
    lines += ["Notes", "-----", ""]
    for note in sorted({n for row in rows for n in row["notes"]}):
        lines.append(f"- {note}")
    return "\n".join(lines).rstrip() + "\n"


def _list_table(table: Sequence[Sequence[str]]) -> list[str]:
    out = [".. list-table::", "   :header-rows: 1", ""]
    for row in table:
        out.append(f"   * - {row[0]}")
        out += [f"     - {cell}" for cell in row[1:]]
    return out


def write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
