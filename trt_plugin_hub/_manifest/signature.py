"""The ``schema`` of a kernels op: the torch schema the hub defines the op with, read without torch.

A kernels op (``torch_tensorrt.kernels.ptx_op``) has its torch op defined by the hub from the
manifest, so the schema is declared there and checked before anything is imported. The grammar is
the part of torch's schema language a TensorRT QDP can take: ``(Tensor x, float scale) -> Tensor``
with the tensors first (the generated converter passes ``args[:len(tensors)]`` as the plugin's
inputs), attributes of type ``int``, ``float``, ``bool`` or ``str``, no defaults (QDP attributes
have none), and one ``Tensor`` or a tuple of them as the result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["ATTRIBUTE_TYPES", "OpSignature", "parse_signature"]

#: The attribute types a kernels op's schema may declare.
ATTRIBUTE_TYPES = ("int", "float", "bool", "str")

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_SCHEMA = re.compile(r"\((?P<args>[^()]*)\)\s*->\s*(?P<ret>.+)\Z")


@dataclass(frozen=True)
class OpSignature:
    """What a kernels op's schema declares: tensor names, attributes (name, type), and outputs."""

    tensors: tuple[str, ...]
    attrs: tuple[tuple[str, str], ...]
    outputs: int

    def __str__(self) -> str:
        args = [f"Tensor {name}" for name in self.tensors] + [f"{kind} {name}" for name, kind in self.attrs]
        ret = "Tensor" if self.outputs == 1 else "(" + ", ".join(["Tensor"] * self.outputs) + ")"
        return f"({', '.join(args)}) -> {ret}"


def parse_signature(text: str) -> OpSignature:
    """The :class:`OpSignature` of ``text``; raises ``ValueError`` saying what is wrong."""
    match = _SCHEMA.match(text.strip())
    if match is None:
        raise ValueError("'(Tensor x, float scale) -> Tensor': arguments in parentheses, '->', the result")
    tensors: list[str] = []
    attrs: list[tuple[str, str]] = []
    seen: set[str] = set()
    args = match.group("args").strip()
    for index, arg in enumerate(args.split(",") if args else ()):
        parts = arg.split()
        if len(parts) != 2 or "=" in arg:
            raise ValueError(f"argument {index} {arg.strip()!r}: 'TYPE NAME' without a default")
        kind, name = parts
        if not _IDENT.match(name) or name in seen:
            raise ValueError(f"argument {index}: {name!r} is not a new identifier")
        seen.add(name)
        if kind == "Tensor":
            if attrs:
                raise ValueError(f"tensor {name!r} follows an attribute: tensors come first (TensorRT QDP rule)")
            tensors.append(name)
        elif kind in ATTRIBUTE_TYPES:
            attrs.append((name, kind))
        else:
            raise ValueError(f"argument {name!r} has type {kind!r}: one of Tensor, {', '.join(ATTRIBUTE_TYPES)}")
    if not tensors:
        raise ValueError("no Tensor argument: the plugin needs at least one input tensor")
    ret = match.group("ret").strip()
    if ret == "Tensor":
        outputs = 1
    else:
        inner = ret[1:-1].split(",") if ret.startswith("(") and ret.endswith(")") else None
        if not inner or any(part.strip() != "Tensor" for part in inner):
            raise ValueError(f"result {ret!r}: 'Tensor' or '(Tensor, Tensor, ...)'")
        outputs = len(inner)
    return OpSignature(tuple(tensors), tuple(attrs), outputs)
