"""Core classes of the TensorRT double: logger, data types, plugin registry and a network.

The network only records what is added to it; shapes are not inferred (a plugin layer's outputs
have ``shape`` ``None`` and the data type of its first input). That is enough to tell whether a
converter produced a plugin layer, which implementation (AOT or JIT) it chose and with which
attributes, which is all the hub's tests need.
"""

from __future__ import annotations

import datetime
import enum
import os
import sys
from typing import Any, Iterable, Sequence

from ._double_config import VERSION_TUPLE as _V


class Logger:
    """Logger printing to stderr in TensorRT's ``[date] [TRT] [W] message`` format."""

    class Severity(enum.IntEnum):
        INTERNAL_ERROR = 0
        ERROR = 1
        WARNING = 2
        INFO = 3
        VERBOSE = 4

    INTERNAL_ERROR = Severity.INTERNAL_ERROR
    ERROR = Severity.ERROR
    WARNING = Severity.WARNING
    INFO = Severity.INFO
    VERBOSE = Severity.VERBOSE

    _LETTERS = {0: "F", 1: "E", 2: "W", 3: "I", 4: "V"}

    def __init__(self, min_severity: "Logger.Severity" = Severity.WARNING) -> None:
        self.min_severity = min_severity

    def log(self, severity: "Logger.Severity", msg: str) -> None:
        if int(severity) <= int(self.min_severity):
            stamp = datetime.datetime.now().strftime("%m/%d/%Y-%H:%M:%S")
            print(f"[{stamp}] [TRT] [{self._LETTERS[int(severity)]}] {msg}", file=sys.stderr)


_DEFAULT_LOGGER = Logger()


class DataType(enum.IntEnum):
    FLOAT = 0
    HALF = 1
    INT8 = 2
    INT32 = 3
    BOOL = 4
    UINT8 = 5
    FP8 = 6
    BF16 = 7
    INT64 = 8
    INT4 = 9


class TensorRTPhase(enum.IntEnum):
    BUILD = 0
    RUNTIME = 1


class QuickPluginCreationRequest(enum.IntEnum):
    """How a QDP plugin should be instantiated (TensorRT >= 10.9; removed from the package
    namespace below that version)."""

    UNKNOWN = 0
    PREFER_JIT = 1
    PREFER_AOT = 2
    STRICT_JIT = 3
    STRICT_AOT = 4


if _V >= (10, 9):

    class NetworkDefinitionCreationFlag(enum.IntEnum):
        EXPLICIT_BATCH = 0
        STRONGLY_TYPED = 1
        PREFER_AOT_PYTHON_PLUGINS = 2
        PREFER_JIT_PYTHON_PLUGINS = 3

else:

    class NetworkDefinitionCreationFlag(enum.IntEnum):  # type: ignore[no-redef]
        EXPLICIT_BATCH = 0
        STRONGLY_TYPED = 1


class PluginFieldType(enum.IntEnum):
    FLOAT16 = 0
    FLOAT32 = 1
    FLOAT64 = 2
    INT8 = 3
    INT16 = 4
    INT32 = 5
    CHAR = 6
    DIMS = 7
    UNKNOWN = 8
    BF16 = 9
    INT64 = 10
    FP8 = 11
    INT4 = 12


class PluginField:
    """A named attribute value handed to a plugin creator (data kept as given)."""

    def __init__(self, name: str = "", data: Any = None, type: PluginFieldType = PluginFieldType.UNKNOWN) -> None:  # noqa: A002
        self.name = name
        self.data = data
        self.type = type

    @property
    def size(self) -> int:
        try:
            return len(self.data)
        except TypeError:
            return 1

    def __repr__(self) -> str:
        return f"PluginField({self.name!r}, {self.data!r}, {self.type!r})"


class PluginFieldCollection(list):
    """List of :class:`PluginField` (upstream is also list-like)."""

    def __init__(self, fields: Iterable[PluginField] = ()) -> None:
        super().__init__(fields)


# ---------------------------------------------------------------------------------------------
# Plugin creators and registry
# ---------------------------------------------------------------------------------------------


class _CreatorBase:
    """Common state of every creator kind: identity is (name, plugin_version, plugin_namespace)."""

    def __init__(self) -> None:
        # Subclasses written like upstream set these after calling the base __init__.
        if not hasattr(self, "name"):
            self.name = ""
        if not hasattr(self, "plugin_version"):
            self.plugin_version = "1"
        if not hasattr(self, "plugin_namespace"):
            self.plugin_namespace = ""
        if not hasattr(self, "field_names"):
            self.field_names = PluginFieldCollection()

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} {self.plugin_namespace}::{self.name} "
            f"v{self.plugin_version}>"
        )


class IPluginCreator(_CreatorBase):
    """Legacy (V2) creator interface."""


class IPluginCreatorV3One(_CreatorBase):
    """V3 creator interface, as implemented by C++ plugin libraries."""

    def create_plugin(self, name: str, namespace: str, fc: PluginFieldCollection, phase: TensorRTPhase) -> "IPluginV3":
        raise NotImplementedError


class IPluginCreatorV3Quick(_CreatorBase):
    """V3 creator interface used by QDP (Python) plugins."""


class IPluginV3:
    """Base of plugin objects added to a network with ``add_plugin``."""

    num_outputs: int = 1


class _LibraryHandle:
    def __init__(self, path: str) -> None:
        self.path = path

    def __repr__(self) -> str:
        return f"<plugin library {self.path}>"


class IPluginRegistry:
    """Process-wide plugin registry (one per process, like upstream).

    Simplification: ``load_library`` cannot ``dlopen`` anything; it records the path and
    returns a handle (``None`` for a missing file or a path already loaded), and reads no
    creators from the library.
    """

    def __init__(self) -> None:
        self._creators: list[_CreatorBase] = []
        self._libraries: dict[str, _LibraryHandle] = {}
        self.error_recorder = None
        self.parent_search_enabled = True

    def register_creator(self, creator: _CreatorBase, plugin_namespace: str = "") -> bool:
        """Register ``creator`` under ``plugin_namespace``; False (and no change) if a creator
        with the same (name, version, namespace) is already there, as upstream."""
        if plugin_namespace:
            creator.plugin_namespace = plugin_namespace
        key = (creator.name, str(creator.plugin_version), creator.plugin_namespace)
        if any(self._key(c) == key for c in self._creators):
            _DEFAULT_LOGGER.log(
                Logger.ERROR,
                f"Plugin creator already registered - {key[2]}::{key[0]} version {key[1]}",
            )
            return False
        self._creators.append(creator)
        return True

    def deregister_creator(self, creator: _CreatorBase) -> bool:
        for i, c in enumerate(self._creators):
            if c is creator:
                del self._creators[i]
                return True
        return False

    def get_creator(self, name: str, version: str, plugin_namespace: str = "") -> _CreatorBase | None:
        key = (name, str(version), plugin_namespace)
        for c in self._creators:
            if self._key(c) == key:
                return c
        return None

    # Older spelling still present in TensorRT 10.
    get_plugin_creator = get_creator

    @property
    def all_creators(self) -> list[_CreatorBase]:
        return list(self._creators)

    @property
    def plugin_creator_list(self) -> list[_CreatorBase]:
        return list(self._creators)

    def load_library(self, plugin_path: str) -> _LibraryHandle | None:
        path = os.fspath(plugin_path)
        if not os.path.exists(path):
            _DEFAULT_LOGGER.log(Logger.ERROR, f"Could not load library {path}")
            return None
        if path in self._libraries:
            return None
        handle = _LibraryHandle(path)
        self._libraries[path] = handle
        return handle

    def deregister_library(self, handle: _LibraryHandle) -> None:
        self._libraries.pop(handle.path, None)

    @staticmethod
    def _key(c: _CreatorBase) -> tuple[str, str, str]:
        return (c.name, str(c.plugin_version), c.plugin_namespace)


_REGISTRY = IPluginRegistry()


def get_plugin_registry() -> IPluginRegistry:
    return _REGISTRY


def init_libnvinfer_plugins(logger: Any, namespace: str) -> bool:
    """Registers no creators: the double ships no built-in C++ plugins."""
    return True


# ---------------------------------------------------------------------------------------------
# Network
# ---------------------------------------------------------------------------------------------


class LayerType(enum.IntEnum):
    CONSTANT = 0
    PLUGIN_V3 = 1
    IDENTITY = 2


class ITensor:
    """Network tensor. ``shape`` is a tuple for inputs and constants, ``None`` where the double
    does not infer it (plugin outputs)."""

    def __init__(self, name: str, dtype: DataType = DataType.FLOAT, shape: Sequence[int] | None = None) -> None:
        self.name = name
        self.dtype = dtype
        self.shape = tuple(shape) if shape is not None else None
        self.is_network_input = False
        self.is_network_output = False
        self.producer: ILayer | None = None

    def __repr__(self) -> str:
        return f"<ITensor {self.name} {self.dtype.name} {self.shape}>"


class ILayer:
    def __init__(self, type: LayerType, inputs: Sequence[ITensor], num_outputs: int, name: str) -> None:  # noqa: A002
        self.type = type
        self.name = name
        self._inputs = list(inputs)
        dtype = inputs[0].dtype if inputs else DataType.FLOAT
        self._outputs = [ITensor(f"{name}_output_{i}", dtype) for i in range(num_outputs)]
        for t in self._outputs:
            t.producer = self

    @property
    def num_inputs(self) -> int:
        return len(self._inputs)

    @property
    def num_outputs(self) -> int:
        return len(self._outputs)

    def get_input(self, index: int) -> ITensor:
        return self._inputs[index]

    def get_output(self, index: int) -> ITensor:
        return self._outputs[index]


class IConstantLayer(ILayer):
    def __init__(self, shape: Sequence[int], weights: Any, name: str) -> None:
        super().__init__(LayerType.CONSTANT, [], 1, name)
        self.shape = tuple(shape)
        self.weights = weights
        self._outputs[0].shape = self.shape


class IPluginV3Layer(ILayer):
    """Plugin layer. Besides the upstream surface it records, for tests, ``plugin_id``
    ("ns::name"), ``aot`` (True/False for QDP plugins, ``None`` for other plugins), ``attrs``
    (attribute name -> value as passed) and ``inputs``."""

    def __init__(self, plugin: IPluginV3, inputs: Sequence[ITensor], shape_inputs: Sequence[ITensor], name: str) -> None:
        super().__init__(LayerType.PLUGIN_V3, inputs, int(getattr(plugin, "num_outputs", 1)), name)
        self.plugin = plugin
        self.shape_inputs = list(shape_inputs)
        self.plugin_id: str | None = getattr(plugin, "plugin_id", None)
        self.aot: bool | None = getattr(plugin, "is_aot", None)
        self.attrs: dict[str, Any] = dict(getattr(plugin, "attrs", {}) or {})

    @property
    def inputs(self) -> list[ITensor]:
        return list(self._inputs)

    def __repr__(self) -> str:
        kind = {True: "AOT", False: "JIT", None: "?"}[self.aot]
        return f"<IPluginV3Layer {self.name} {self.plugin_id} {kind} attrs={self.attrs}>"


_OMITTED: Any = object()


def _pybind_bool(value: Any) -> bool:
    """Convert like pybind11's ``bool`` caster in convert mode: None -> False, numbers by
    truth value; anything else does not match the overload (TypeError)."""
    if value is True or value is False:
        return value
    if value is None:
        return False
    if isinstance(value, (int, float)):
        return bool(value)
    raise TypeError(
        "add_plugin(): incompatible function arguments. The following argument types are "
        f"supported: ... Invoked with: aot={value!r}"
    )


class INetworkDefinition:
    """Recording network. ``layers`` lists every layer added, in order."""

    def __init__(self, flags: int = 0) -> None:
        self.flags = int(flags)
        self.name = "network"
        self._layers: list[ILayer] = []
        self._inputs: list[ITensor] = []
        self._outputs: list[ITensor] = []

    def get_flag(self, flag: NetworkDefinitionCreationFlag) -> bool:
        return bool(self.flags & (1 << int(flag)))

    # -- inputs / outputs ---------------------------------------------------------------------
    def add_input(self, name: str, dtype: DataType, shape: Sequence[int]) -> ITensor:
        t = ITensor(name, dtype, shape)
        t.is_network_input = True
        self._inputs.append(t)
        return t

    def mark_output(self, tensor: ITensor) -> None:
        tensor.is_network_output = True
        self._outputs.append(tensor)

    @property
    def num_inputs(self) -> int:
        return len(self._inputs)

    @property
    def num_outputs(self) -> int:
        return len(self._outputs)

    @property
    def num_layers(self) -> int:
        return len(self._layers)

    def get_input(self, index: int) -> ITensor:
        return self._inputs[index]

    def get_output(self, index: int) -> ITensor:
        return self._outputs[index]

    def get_layer(self, index: int) -> ILayer:
        return self._layers[index]

    @property
    def layers(self) -> list[ILayer]:
        return list(self._layers)

    @property
    def plugin_layers(self) -> list[IPluginV3Layer]:
        return [layer for layer in self._layers if isinstance(layer, IPluginV3Layer)]

    # -- layers -------------------------------------------------------------------------------
    def add_constant(self, shape: Sequence[int], weights: Any) -> IConstantLayer:
        layer = IConstantLayer(shape, weights, f"(Unnamed Layer* {len(self._layers)}) [Constant]")
        self._layers.append(layer)
        return layer

    def add_identity(self, input: ITensor) -> ILayer:  # noqa: A002
        layer = ILayer(LayerType.IDENTITY, [input], 1, f"(Unnamed Layer* {len(self._layers)}) [Identity]")
        self._layers.append(layer)
        return layer

    def add_plugin(self, func: Any, aot: Any = _OMITTED) -> IPluginV3Layer:
        """Add a plugin from ``(inputs, shape_inputs, plugin)`` or from a QDP plugin call.

        Mirrors upstream's three pybind overloads: ``add_plugin(tuple)``,
        ``add_plugin(func)`` (network flags pick AOT/JIT; with both implementations and no flag
        the creator raises ValueError) and, from 10.9, ``add_plugin(func, aot)`` (strict: the
        creator raises ValueError when that implementation is missing). ``aot=None`` is
        converted like pybind converts it, to False (strict JIT).
        """
        if isinstance(func, tuple):
            if aot is not _OMITTED:
                raise TypeError("add_plugin(): incompatible function arguments (tuple, aot)")
            return self._add_plugin_tuple(func)
        if not callable(func):
            raise TypeError(f"add_plugin(): incompatible function arguments. Invoked with: {func!r}")
        if _V < (10, 9):
            if aot is not _OMITTED:
                # The (func, aot) overload only exists from 10.9.
                raise TypeError(
                    "add_plugin(): incompatible function arguments. The following argument "
                    "types are supported:\n    1. (self, tuple: tuple)\n    2. (self, func: "
                    "Callable)\n"
                )
            return self._add_plugin_tuple(func())
        if aot is _OMITTED:
            prefer_aot = self.get_flag(NetworkDefinitionCreationFlag.PREFER_AOT_PYTHON_PLUGINS)
            prefer_jit = self.get_flag(NetworkDefinitionCreationFlag.PREFER_JIT_PYTHON_PLUGINS)
            if prefer_aot and prefer_jit:
                raise ValueError(
                    "Both NetworkDefinitionCreationFlag.PREFER_AOT_PYTHON_PLUGINS and "
                    "NetworkDefinitionCreationFlag.PREFER_JIT_PYTHON_PLUGINS cannot be specified "
                    "at the same time."
                )
            if prefer_jit:
                request = QuickPluginCreationRequest.PREFER_JIT
            elif prefer_aot:
                request = QuickPluginCreationRequest.PREFER_AOT
            else:
                request = QuickPluginCreationRequest.UNKNOWN
        else:
            request = (
                QuickPluginCreationRequest.STRICT_AOT
                if _pybind_bool(aot)
                else QuickPluginCreationRequest.STRICT_JIT
            )
        return self._add_plugin_tuple(func(request))

    def _add_plugin_tuple(self, result: Any) -> IPluginV3Layer:
        if not isinstance(result, tuple) or len(result) != 3:
            raise TypeError("add_plugin(): expected a (inputs, shape_inputs, plugin) tuple")
        inputs, shape_inputs, plugin = result
        for t in list(inputs) + list(shape_inputs):
            if not isinstance(t, ITensor):
                raise TypeError(f"add_plugin(): expected ITensor inputs, got {type(t)!r}")
        if not isinstance(plugin, IPluginV3):
            raise TypeError(f"add_plugin(): expected an IPluginV3, got {type(plugin)!r}")
        layer = IPluginV3Layer(plugin, inputs, shape_inputs, f"(Unnamed Layer* {len(self._layers)}) [PluginV3]")
        self._layers.append(layer)
        return layer


class IBuilderConfig:
    def __init__(self) -> None:
        self.flags = 0


class Builder:
    """Creates recording networks; builds no engines."""

    def __init__(self, logger: Logger) -> None:
        self.logger = logger

    def create_network(self, flags: int = 0) -> INetworkDefinition:
        return INetworkDefinition(flags)

    def create_builder_config(self) -> IBuilderConfig:
        return IBuilderConfig()


__all__ = [
    "Builder",
    "DataType",
    "IBuilderConfig",
    "IConstantLayer",
    "ILayer",
    "INetworkDefinition",
    "IPluginCreator",
    "IPluginCreatorV3One",
    "IPluginCreatorV3Quick",
    "IPluginRegistry",
    "IPluginV3",
    "IPluginV3Layer",
    "ITensor",
    "LayerType",
    "Logger",
    "NetworkDefinitionCreationFlag",
    "PluginField",
    "PluginFieldCollection",
    "PluginFieldType",
    "QuickPluginCreationRequest",
    "TensorRTPhase",
    "get_plugin_registry",
    "init_libnvinfer_plugins",
]
