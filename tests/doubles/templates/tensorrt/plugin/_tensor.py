"""Tensor descriptors and symbolic expressions of ``tensorrt.plugin`` (simplified).

Simplification: symbolic expressions hold an ``int`` when known and otherwise a readable
expression string; arithmetic is carried out on ints and recorded as text on symbols. TensorRT
evaluates these at build time, which the double never reaches.
"""

from __future__ import annotations

import copy
from typing import Any, Iterable, Optional, Sequence, Union

import tensorrt as trt

from ._export import IS_AOT_ENABLED


class SymExpr:
    """A symbolic (or known) scalar."""

    def __init__(self, value: Union[int, str, "SymExpr", None] = None) -> None:
        if isinstance(value, SymExpr):
            value = value._value
        self._value: Union[int, str, None] = value

    @property
    def is_constant(self) -> bool:
        return isinstance(self._value, int)

    @property
    def constant_value(self) -> int:
        if not self.is_constant:
            raise ValueError("Not a constant expression")
        return int(self._value)  # type: ignore[arg-type]

    @classmethod
    def _binary(cls, a: Any, b: Any, op: str) -> Any:
        av = a._value if isinstance(a, SymExpr) else a
        bv = b._value if isinstance(b, SymExpr) else b
        if isinstance(av, int) and isinstance(bv, int):
            value: Union[int, str] = {
                "+": lambda: av + bv,
                "-": lambda: av - bv,
                "*": lambda: av * bv,
                "//": lambda: av // bv,
                "cdiv": lambda: -(-av // bv),
                "max": lambda: av if av >= bv else bv,
                "min": lambda: av if av <= bv else bv,
            }[op]()
        else:
            value = f"{op}({av}, {bv})" if op in ("cdiv", "max", "min") else f"({av} {op} {bv})"
        # Keep the most specific operand type (ShapeExpr stays ShapeExpr).
        target = type(a) if isinstance(a, SymExpr) else type(b) if isinstance(b, SymExpr) else cls
        return target(value)

    def __add__(self, other: Any) -> Any:
        return self._binary(self, other, "+")

    def __radd__(self, other: Any) -> Any:
        return self._binary(other, self, "+")

    def __sub__(self, other: Any) -> Any:
        return self._binary(self, other, "-")

    def __rsub__(self, other: Any) -> Any:
        return self._binary(other, self, "-")

    def __mul__(self, other: Any) -> Any:
        return self._binary(self, other, "*")

    def __rmul__(self, other: Any) -> Any:
        return self._binary(other, self, "*")

    def __floordiv__(self, other: Any) -> Any:
        return self._binary(self, other, "//")

    def __rfloordiv__(self, other: Any) -> Any:
        return self._binary(other, self, "//")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._value!r})"


class SymIntExpr(SymExpr):
    pass


class SymInt32(SymIntExpr):
    pass


class SymInt8(SymIntExpr):
    pass


class SymInt16(SymIntExpr):
    pass


class ShapeExpr(SymInt32):
    """One (possibly symbolic) dimension."""

    def numel(self) -> "ShapeExpr":  # pragma: no cover - convenience only
        return self


class SymExprs:
    """Fixed-length list of symbolic expressions."""

    _item_type: type = SymExpr

    def __init__(self, length: int) -> None:
        self._length = length
        self._exprs: list[Any] = [None] * length

    @classmethod
    def from_tuple(cls, exprs: Sequence[Any]) -> "SymExprs":
        inst = cls(len(exprs))
        for i, e in enumerate(exprs):
            inst[i] = e
        return inst

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._exprs)

    def __getitem__(self, index: int) -> Any:
        return self._exprs[index]

    def __len__(self) -> int:
        return self._length

    def __setitem__(self, index: int, value: Any) -> None:
        if index >= self._length:
            raise IndexError("Index out of range")
        if not isinstance(value, SymExpr):
            value = self._item_type(value)
        self._exprs[index] = value

    def __repr__(self) -> str:
        return f"{type(self).__name__}[{', '.join(repr(e) for e in self._exprs)}]"


class ShapeExprs(SymExprs):
    _item_type = ShapeExpr

    def numel(self) -> ShapeExpr:
        total: Any = ShapeExpr(1)
        for e in self._exprs:
            total = total * e
        return total


class SymIntExprs(SymExprs):
    _item_type = SymIntExpr

    def __setitem__(self, index: int, value: Any) -> None:
        if not isinstance(value, SymIntExpr) and not isinstance(value, int):
            raise ValueError(f"Value should be int or SymIntExpr. Got '{type(value)}'")
        super().__setitem__(index, value)


class Shape(tuple):
    """Concrete shape (a tuple of ints)."""

    def numel(self) -> int:
        n = 1
        for d in self:
            n *= int(d)
        return n


class TensorDesc:
    """Descriptor of a plugin input/output (what ``register``/``aot_impl`` receive)."""

    def __init__(
        self,
        shape_expr: Optional[Iterable[Any]] = None,
        dtype: Any = None,
        format: Any = None,  # noqa: A002
        scale: Optional[float] = None,
    ) -> None:
        self._shape_expr = ShapeExprs.from_tuple(list(shape_expr)) if shape_expr is not None else ShapeExprs(0)
        self._dtype = dtype if dtype is not None else trt.DataType.FLOAT
        self.format = format
        self.scale = scale
        self._aliased_to: Optional[TensorDesc] = None

    @property
    def dtype(self) -> Any:
        return self._dtype

    @dtype.setter
    def dtype(self, value: Any) -> None:
        self._dtype = value

    @property
    def shape_expr(self) -> ShapeExprs:
        return self._shape_expr

    @shape_expr.setter
    def shape_expr(self, value: Any) -> None:
        self._shape_expr = value if isinstance(value, ShapeExprs) else ShapeExprs.from_tuple(list(value))

    @property
    def ndim(self) -> int:
        return len(self._shape_expr)

    @property
    def is_size_tensor(self) -> bool:
        return False

    @property
    def shape(self) -> Shape:
        if not all(isinstance(e, SymExpr) and e.is_constant for e in self._shape_expr):
            raise ValueError("shape is only known for concrete descriptors")
        return Shape(e.constant_value for e in self._shape_expr)

    def like(self) -> "TensorDesc":
        return copy.deepcopy(self)

    def aliased(self) -> "TensorDesc":
        cloned = self.like()
        cloned._aliased_to = self
        return cloned

    def __repr__(self) -> str:
        return f"TensorDesc(shape_expr={self._shape_expr!r}, dtype={self._dtype!r})"


class SizeTensorDesc(TensorDesc):
    @property
    def is_size_tensor(self) -> bool:
        return True


class Tensor:
    """Runtime tensor handed to ``impl`` (never materialised by the double)."""

    def __init__(self, shape: Sequence[int] = (), dtype: Any = None, data_ptr: int = 0) -> None:
        self.shape = Shape(shape)
        self.dtype = dtype if dtype is not None else trt.DataType.FLOAT
        self.data_ptr = data_ptr

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def numel(self) -> int:
        return self.shape.numel()


if IS_AOT_ENABLED:

    class KernelLaunchParams:
        """Launch configuration returned by ``aot_impl`` (>= 10.9). Fields become SymInt32;
        other attribute names are rejected, as upstream."""

        _FIELDS = ("grid_x", "grid_y", "grid_z", "block_x", "block_y", "block_z", "shared_mem")

        def __init__(
            self,
            grid_x: Any = 1,
            grid_y: Any = 1,
            grid_z: Any = 1,
            block_x: Any = 1,
            block_y: Any = 1,
            block_z: Any = 1,
            shared_mem: Any = 0,
        ) -> None:
            self.grid_x = grid_x
            self.grid_y = grid_y
            self.grid_z = grid_z
            self.block_x = block_x
            self.block_y = block_y
            self.block_z = block_z
            self.shared_mem = shared_mem

        def __setattr__(self, name: str, value: Any) -> None:
            if name not in self._FIELDS:
                raise AttributeError(f"KernelLaunchParams object has no attribute '{name}'")
            self.__dict__[name] = SymInt32(value)

        def __repr__(self) -> str:
            body = ", ".join(f"{f}={self.__dict__[f]!r}" for f in self._FIELDS)
            return f"KernelLaunchParams({body})"

