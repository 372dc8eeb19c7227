"""Manifest entries and the PTX files they name, written once for every test."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any


def ptx_text(arch: str = "sm_90", isa: str = "8.7", kernel: str = "scale_kernel") -> bytes:
    """A small, well-formed PTX file with one entry taking (in, numel, out)."""
    return (f"//\n// Generated for tests\n//\n.version {isa}\n.target {arch}\n.address_size 64\n\n"
            f".visible .entry {kernel}(\n\t.param .u64 .ptr .global .align 1 {kernel}_param_0,\n"
            f"\t.param .u32 {kernel}_param_1,\n\t.param .u64 .ptr .global .align 1 {kernel}_param_2\n)\n"
            "{\n\tret;\n}\n").encode("ascii")


def sha256(data: bytes) -> str:
    """The hex sha256 a manifest records."""
    return hashlib.sha256(data).hexdigest()


LAUNCH = {"block_threads": 128, "elements_per_block": 1024, "extras": ["numel"]}


def aot_op(op_id: str, module: str, files: dict[str, str | bytes], *, package: str | None = None,
           archs: Sequence[str] = ("sm_90",), isa: str = "8.7", kernel: str = "scale_kernel",
           contents: Mapping[str, bytes] | None = None, **extra: Any) -> dict[str, Any]:
    """An AOT op entry whose PTX files are added to ``files`` (``contents`` overrides a file's bytes).

    The files go to ``package`` (by default the first component of ``module``).
    """
    package = package or module.split(".", maxsplit=1)[0]
    name = op_id.split("::")[1]
    entries = []
    for arch in archs:
        data = ptx_text(arch, isa, kernel)
        relative = f"ptx/{name}.{arch}.ptx"
        files[f"{package}/{relative}"] = (contents or {}).get(arch, data)
        entries.append({"arch": arch, "path": relative, "kernel": kernel, "sha256": sha256(data), "isa": isa})
    return {"id": op_id, "kind": "aot", "module": module, "ptx": entries, "launch": dict(LAUNCH), **extra}



def rehash(package: Path, relative: str, isa: str | None = None) -> None:
    """Record the file's new sha256 (and ISA) in the package's manifest, so only an intended defect remains."""
    path = package / "trt_plugin.json"
    manifest = json.loads(path.read_text())
    for op in manifest["ops"]:
        for artifact in op.get("ptx", []):
            if artifact["path"] == relative:
                artifact["sha256"] = sha256((package / relative).read_bytes())
                if isa:
                    artifact["isa"] = isa
    path.write_text(json.dumps(manifest, indent=2))
