"""Stand-in for TensorRT's compiled extension module (``tensorrt.so``), written for the tests.

The real ``tensorrt`` package is a thin Python layer (``__init__.py``, ``plugin/*.py``) over one
compiled module. Where TensorRT's native libraries cannot be installed, the test harness keeps
the real Python layer, deletes the compiled module and puts this file in its place, so the real
``tensorrt.plugin`` (QDP) and the real ``torch_tensorrt`` run on top of it.

What it reproduces is what those Python layers call into: data types, plugin fields (``.data``
is always a 1-D numpy array, as the pybind11 binding returns it), the plugin registry, symbolic
dimension expressions, a network that records layers, ``add_plugin``'s three overloads, and a
builder pass over plugin layers in the order TensorRT's builder calls a QDP plugin
(:func:`build_plugin_layer`). It builds no engine and runs no kernel.

``VERSION`` is rewritten by the harness to the version of the wheel it stands in for; names that
appear with a release (``QuickPluginCreationRequest`` and the AOT interfaces from 10.9) are
absent below it, as ``hasattr`` probes expect.
"""

import builtins
import enum
import sys

import numpy as np

VERSION = "0.0.0"
_V = tuple(int(p) for p in VERSION.split(".")[:2])
_AOT = _V >= (10, 9)


class _Enum(enum.IntEnum):
    """pybind11 enums compare by value and print as ``Type.NAME``."""

    def __repr__(self):
        return f"{type(self).__name__}.{self.name}"


def _enum(name, members):
    return _Enum(name, [(m, i) for i, m in enumerate(members)])


# ---------------------------------------------------------------------------------------------
# Logging, types, formats


class ILogger:
    Severity = _enum("Severity", ["INTERNAL_ERROR", "ERROR", "WARNING", "INFO", "VERBOSE"])

    def __init__(self, *args, **kwargs):
        pass

    def log(self, severity, msg):
        pass


class Logger(ILogger):
    def __init__(self, min_severity=ILogger.Severity.WARNING):
        super().__init__()
        self.min_severity = min_severity

    def log(self, severity, msg):
        if int(severity) <= int(self.min_severity):
            print(f"[TRT stand-in] {msg}", file=sys.stderr)


DataType = _enum("DataType", ["FLOAT", "HALF", "INT8", "INT32", "BOOL", "UINT8", "FP8", "BF16", "INT64",
                              "INT4", "FP4", "E8M0"])
float32, float16, int8, int32, bool, uint8 = (DataType.FLOAT, DataType.HALF, DataType.INT8, DataType.INT32,  # noqa: A001
                                              DataType.BOOL, DataType.UINT8)
fp8, bfloat16, int64, int4, fp4 = DataType.FP8, DataType.BF16, DataType.INT64, DataType.INT4, DataType.FP4
TensorFormat = _enum("TensorFormat", ["LINEAR", "CHW2", "HWC8", "CHW4", "CHW16", "CHW32", "DHWC8", "CDHW32",
                                      "HWC", "DLA_LINEAR", "DLA_HWC4", "HWC16", "DHWC"])
TensorRTPhase = _enum("TensorRTPhase", ["BUILD", "RUNTIME"])
PluginFieldType = _enum("PluginFieldType", ["FLOAT16", "FLOAT32", "FLOAT64", "INT8", "INT16", "INT32", "CHAR",
                                            "DIMS", "UNKNOWN", "BF16", "INT64", "FP8", "INT4", "FP4"])
DimensionOperation = _enum("DimensionOperation", ["SUM", "PROD", "MAX", "MIN", "SUB", "EQUAL", "LESS",
                                                  "FLOOR_DIV", "CEIL_DIV"])
PluginArgType = _enum("PluginArgType", ["INT"])
PluginArgDataType = _enum("PluginArgDataType", ["INT8", "INT16", "INT32"])
PluginCapabilityType = _enum("PluginCapabilityType", ["CORE", "BUILD", "RUNTIME"])
if _AOT:
    QuickPluginCreationRequest = _enum("QuickPluginCreationRequest", ["UNKNOWN", "PREFER_JIT", "PREFER_AOT",
                                                                      "STRICT_JIT", "STRICT_AOT"])
_flags = ["EXPLICIT_BATCH", "EXPLICIT_PRECISION", "STRONGLY_TYPED"]
if _AOT:
    _flags += ["PREFER_AOT_PYTHON_PLUGINS", "PREFER_JIT_PYTHON_PLUGINS"]
NetworkDefinitionCreationFlag = _enum("NetworkDefinitionCreationFlag", _flags)

# Names Torch-TensorRT only touches at import time (annotations, enum tables, registrations).
for _name, _members in {
    "ElementWiseOperation": ["SUM", "PROD", "MAX", "MIN", "SUB", "DIV", "POW", "FLOOR_DIV", "AND", "OR", "XOR",
                             "EQUAL", "GREATER", "LESS"],
    "UnaryOperation": ["EXP", "LOG", "SQRT", "RECIP", "ABS", "NEG", "SIN", "COS", "TAN", "SINH", "COSH", "ASIN",
                       "ACOS", "ATAN", "ASINH", "ACOSH", "ATANH", "CEIL", "FLOOR", "ERF", "NOT", "SIGN", "ROUND",
                       "ISINF", "ISNAN"],
    "ActivationType": ["RELU", "SIGMOID", "TANH", "LEAKY_RELU", "ELU", "SELU", "SOFTSIGN", "SOFTPLUS", "CLIP",
                       "HARD_SIGMOID", "SCALED_TANH", "THRESHOLDED_RELU", "GELU_ERF", "GELU_TANH"],
    "ReduceOperation": ["SUM", "PROD", "MAX", "MIN", "AVG"],
    "PoolingType": ["MAX", "AVERAGE", "MAX_AVERAGE_BLEND"],
    "MatrixOperation": ["NONE", "TRANSPOSE", "VECTOR"],
    "TopKOperation": ["MAX", "MIN"],
    "ScaleMode": ["UNIFORM", "CHANNEL", "ELEMENTWISE"],
    "PaddingMode": ["EXPLICIT_ROUND_DOWN", "EXPLICIT_ROUND_UP", "SAME_UPPER", "SAME_LOWER"],
    "InterpolationMode": ["NEAREST", "LINEAR", "CUBIC"],
    "ResizeCoordinateTransformation": ["ALIGN_CORNERS", "ASYMMETRIC", "HALF_PIXEL"],
    "ResizeSelector": ["FORMULA", "UPPER"],
    "ResizeRoundMode": ["HALF_UP", "HALF_DOWN", "FLOOR", "CEIL"],
    "SampleMode": ["STRICT_BOUNDS", "WRAP", "CLAMP", "FILL", "REFLECT"],
    "GatherMode": ["DEFAULT", "ELEMENT", "ND"],
    "ScatterMode": ["ELEMENT", "ND"],
    "FillOperation": ["LINSPACE", "RANDOM_UNIFORM", "RANDOM_NORMAL"],
    "LoopOutput": ["LAST_VALUE", "CONCATENATE", "REVERSE"],
    "TripLimit": ["COUNT", "WHILE"],
    "LayerType": ["CONVOLUTION", "CAST", "ACTIVATION", "POOLING", "CONSTANT", "IDENTITY", "PLUGIN_V2", "PLUGIN_V3",
                  "ELEMENTWISE", "SHUFFLE"],
    "DeviceType": ["GPU", "DLA"],
    "EngineCapability": ["STANDARD", "SAFETY", "DLA_STANDALONE"],
    "BuilderFlag": ["FP16", "BF16", "INT8", "DEBUG", "GPU_FALLBACK", "REFIT", "DISABLE_TIMING_CACHE", "TF32",
                    "SPARSE_WEIGHTS", "SAFETY_SCOPE", "OBEY_PRECISION_CONSTRAINTS", "PREFER_PRECISION_CONSTRAINTS",
                    "DIRECT_IO", "REJECT_EMPTY_ALGORITHMS", "VERSION_COMPATIBLE", "EXCLUDE_LEAN_RUNTIME", "FP8",
                    "ERROR_ON_TIMING_CACHE_MISS", "DISABLE_COMPILATION_CACHE", "WEIGHTLESS", "STRIP_PLAN",
                    "REFIT_IDENTICAL", "WEIGHT_STREAMING", "INT4", "REFIT_INDIVIDUAL", "STRICT_NANS", "MONITOR_MEMORY",
                    "FP4", "EDITABLE_TIMING_CACHE", "DISTRIBUTIVE_INDEPENDENCE"],
    "MemoryPoolType": ["WORKSPACE", "DLA_MANAGED_SRAM", "DLA_LOCAL_DRAM", "DLA_GLOBAL_DRAM", "TACTIC_DRAM",
                       "TACTIC_SHARED_MEMORY"],
    "ProfilingVerbosity": ["LAYER_NAMES_ONLY", "NONE", "DETAILED"],
    "SerializationFlag": ["EXCLUDE_WEIGHTS", "EXCLUDE_LEAN_RUNTIME", "INCLUDE_REFIT"],
    "HardwareCompatibilityLevel": ["NONE", "AMPERE_PLUS", "SAME_COMPUTE_CAPABILITY"],
    "RuntimePlatform": ["SAME_AS_BUILD", "WINDOWS_AMD64"],
    "TilingOptimizationLevel": ["NONE", "FAST", "MODERATE", "FULL"],
    "PreviewFeature": ["PROFILE_SHARING_0806", "ALIASED_PLUGIN_IO_10_03", "RUNTIME_ACTIVATION_RESIZE_10_10"],
    "TensorIOMode": ["NONE", "INPUT", "OUTPUT"],
    "TensorLocation": ["DEVICE", "HOST"],
    "ExecutionContextAllocationStrategy": ["STATIC", "ON_PROFILE_CHANGE", "USER_MANAGED"],
    "LayerInformationFormat": ["ONELINE", "JSON"],
    "CudaGraphStrategy": ["DISABLED", "WHOLE_GRAPH_CAPTURE"],
    "DynamicShapesKernelSpecializationStrategy": ["LAZY", "EAGER", "NONE"],
    "AttentionNormalizationOp": ["NONE", "SOFTMAX"],
    "CausalMaskKind": ["NONE", "UPPER_LEFT", "LOWER_RIGHT"],
    "CollectiveOperation": ["ALL_REDUCE", "ALL_GATHER", "BROADCAST", "REDUCE", "REDUCE_SCATTER"],
    "KVCacheMode": ["NONE", "LINEAR"],
    "WeightsRole": ["KERNEL", "BIAS", "SHIFT", "SCALE", "CONSTANT", "ANY"],
}.items():
    globals()[_name] = _enum(_name, _members)


class _Interface:
    """Base of the abstract binding classes that Python code only subclasses or names."""

    def __init__(self, *args, **kwargs):
        pass


for _name in ["IPluginV2", "IPluginV2Ext", "IPluginV2DynamicExt", "IPluginCreatorInterface", "IPluginCapability",
              "IPluginV3OneCore", "IPluginV3OneBuild", "IPluginV3OneRuntime", "IPluginResourceContext",
              "IProfiler", "IProgressMonitor", "IOutputAllocator", "IGpuAllocator", "IErrorRecorder",
              "IDebugListener", "IStreamReader", "IStreamWriter", "IRuntimeConfig", "IRuntimeCache",
              "IOptimizationProfile", "ICudaEngine", "IExecutionContext", "IHostMemory", "IRefitter",
              "IAttention", "ITimingCache", "IVersionedInterface", "Profiler", "Refitter", "Runtime",
              "OnnxParser", "IInt8Calibrator", "IInt8EntropyCalibrator2", "IAlgorithmSelector",
              "ISymExprs"]:
    globals()[_name] = type(_name, (_Interface,), {})


class Weights:
    def __init__(self, a=None, *args):
        self.numpy_value = None if a is None or isinstance(a, DataType) else np.asarray(a)

    def numpy(self):
        return self.numpy_value


# ---------------------------------------------------------------------------------------------
# Plugin fields, creators, registry


_FIELD_DTYPES = {
    PluginFieldType.FLOAT16: np.float16, PluginFieldType.FLOAT32: np.float32, PluginFieldType.FLOAT64: np.float64,
    PluginFieldType.INT8: np.int8, PluginFieldType.INT16: np.int16, PluginFieldType.INT32: np.int32,
    PluginFieldType.INT64: np.int64, PluginFieldType.CHAR: np.int8, PluginFieldType.UNKNOWN: np.uint8,
}


class PluginField:
    """A named attribute. Like the binding, ``data`` reads back as a 1-D array of the field type."""

    def __init__(self, name="", data=None, type=PluginFieldType.UNKNOWN):  # noqa: A002
        self.name = name
        self.type = type
        raw = b"" if data is None else (bytes(data) if isinstance(data, (bytes, bytearray)) else
                                       np.ascontiguousarray(data).tobytes())
        self._raw = raw

    @property
    def data(self):
        return np.frombuffer(self._raw, dtype=_FIELD_DTYPES.get(self.type, np.uint8)).copy()

    @property
    def size(self):
        return len(self.data)


class PluginFieldCollection(list):
    def __init__(self, fields=()):
        super().__init__(fields)


class IPluginCreator(_Interface):
    pass


class IPluginCreatorV3One(_Interface):
    pass


class IPluginCreatorV3Quick(_Interface):
    pass


class IPluginV3(_Interface):
    pass


class IPluginV3QuickCore(_Interface):
    pass


class IPluginV3QuickBuild(_Interface):
    pass


class IPluginV3QuickRuntime(_Interface):
    pass


if _AOT:
    class IPluginV3QuickAOTBuild(_Interface):
        pass

    class ISymExpr(_Interface):
        pass

    class KernelLaunchParams:
        """The native launch-parameter struct TensorRT hands to ``get_launch_params``."""

        def __init__(self):
            self.grid_x = self.grid_y = self.grid_z = None
            self.block_x = self.block_y = self.block_z = None
            self.shared_mem = None


class IPluginRegistry:
    def __init__(self):
        self._creators = {}
        self.error_recorder = None
        self.parent_search_enabled = True

    def register_creator(self, creator, namespace=""):
        ns = namespace or getattr(creator, "plugin_namespace", "")
        key = (creator.name, str(creator.plugin_version), ns)
        if key in self._creators:
            return False
        self._creators[key] = creator
        return True

    def deregister_creator(self, creator):
        for key, value in list(self._creators.items()):
            if value is creator:
                del self._creators[key]
                return True
        return False

    def get_creator(self, name, version, namespace=""):
        return self._creators.get((name, str(version), namespace))

    get_plugin_creator = get_creator

    @property
    def all_creators(self):
        return list(self._creators.values())

    plugin_creator_list = all_creators

    def load_library(self, path):
        return None

    def deregister_library(self, handle):
        pass


_REGISTRY = IPluginRegistry()


def get_plugin_registry():
    return _REGISTRY


def init_libnvinfer_plugins(logger, namespace):
    return True


def get_builder_plugin_registry(capability):
    return _REGISTRY


# ---------------------------------------------------------------------------------------------
# Shapes and symbolic dimension expressions


class Dims(tuple):
    MAX_DIMS = 8

    def __new__(cls, shape=()):
        if isinstance(shape, int):
            shape = (0,) * shape
        return super().__new__(cls, tuple(int(s) for s in shape))


Dims2 = Dims3 = Dims4 = DimsHW = Dims


class IDimensionExpr:
    """A dimension: a constant, a named symbol (a dynamic input dimension) or an operation."""

    def __init__(self, value=None, symbol=None, op=None, args=()):
        self._value, self._symbol, self._op, self._args = value, symbol, op, tuple(args)

    def is_constant(self):
        return self._value is not None

    def get_constant_value(self):
        if self._value is None:
            raise RuntimeError("not a constant expression")
        return self._value

    def is_size_tensor(self):
        return False

    def evaluate(self, symbols):
        """The value for ``symbols`` (name -> int); what the builder does for a concrete shape."""
        if self._value is not None:
            return self._value
        if self._symbol is not None:
            return symbols[self._symbol]
        a, b = (arg.evaluate(symbols) for arg in self._args)
        return _apply(self._op, a, b)


def _apply(op, a, b):
    if op == DimensionOperation.SUM:
        return a + b
    if op == DimensionOperation.PROD:
        return a * b
    if op == DimensionOperation.MAX:
        return max(a, b)
    if op == DimensionOperation.MIN:
        return min(a, b)
    if op == DimensionOperation.SUB:
        return a - b
    if op == DimensionOperation.EQUAL:
        return int(a == b)
    if op == DimensionOperation.LESS:
        return int(a < b)
    if op == DimensionOperation.FLOOR_DIV:
        return a // b
    if op == DimensionOperation.CEIL_DIV:
        return -(-a // b)
    raise ValueError(f"unknown dimension operation {op!r}")


class IExprBuilder:
    def constant(self, value):
        return IDimensionExpr(value=int(value))

    def operation(self, op, first, second):
        if first.is_constant() and second.is_constant():
            return IDimensionExpr(value=_apply(op, first.get_constant_value(), second.get_constant_value()))
        return IDimensionExpr(op=op, args=(first, second))

    def declare_size_tensor(self, output_index, opt_value, upper_bound):
        return IDimensionExpr(symbol=f"size_tensor_{output_index}")


class DimsExprs(list):
    def __init__(self, length_or_items=0):
        if isinstance(length_or_items, int):
            super().__init__([None] * length_or_items)
        else:
            super().__init__(length_or_items)


class PluginTensorDesc:
    def __init__(self):
        self.dims = Dims()
        self.type = DataType.FLOAT
        self.format = TensorFormat.LINEAR
        self.scale = 1.0


class DynamicPluginTensorDesc:
    def __init__(self):
        self.desc = PluginTensorDesc()
        self.min = Dims()
        self.opt = Dims()
        self.max = Dims()


class _SymExprSetter:
    """What ``get_launch_params`` writes the extra kernel arguments into."""

    def __init__(self):
        self.nbSymExprs = 0
        self._items = {}

    def __setitem__(self, index, value):
        if not 0 <= index < self.nbSymExprs:
            raise IndexError(index)
        self._items[index] = value

    def values(self):
        return [self._items.get(i) for i in range(self.nbSymExprs)]


# ---------------------------------------------------------------------------------------------
# Network, layers, builder


class ITensor:
    def __init__(self, name="", dtype=DataType.FLOAT, shape=()):
        self.name, self.dtype, self.shape = name, dtype, Dims(shape)
        self.is_network_input = self.is_network_output = False
        self.is_shape_tensor = False
        self.location = TensorLocation.DEVICE  # noqa: F821

    def __repr__(self):
        return f"<ITensor {self.name} {self.dtype!r} {tuple(self.shape)}>"


class ILayer:
    def __init__(self, type, inputs, outputs, name):  # noqa: A002
        self.type, self._inputs, self._outputs, self.name = type, list(inputs), list(outputs), name
        self.metadata = ""

    @property
    def num_inputs(self):
        return len(self._inputs)

    @property
    def num_outputs(self):
        return len(self._outputs)

    def get_input(self, index):
        return self._inputs[index]

    def get_output(self, index):
        return self._outputs[index]

    def get_output_type(self, index):
        return self._outputs[index].dtype


class IPluginV3Layer(ILayer):
    """A plugin layer; ``plugin`` is the Python plugin object the creator returned."""

    def __init__(self, plugin, inputs, shape_inputs, name):
        num = int(plugin.get_num_outputs()) if hasattr(plugin, "get_num_outputs") else 1
        outputs = [ITensor(f"{name}_output_{i}") for i in range(num)]
        super().__init__(LayerType.PLUGIN_V3, inputs, outputs, name)  # noqa: F821
        self.plugin = plugin
        self.shape_inputs = list(shape_inputs)

    def get_plugin(self):
        return self.plugin


class IConstantLayer(ILayer):
    pass


class INetworkDefinition:
    def __init__(self, flags=0):
        self.flags = int(flags)
        self.name = "network"
        self.layers = []
        self._inputs, self._outputs = [], []
        self.has_implicit_batch_dimension = False

    def get_flag(self, flag):
        return builtins.bool(self.flags & (1 << int(flag)))

    def add_input(self, name, dtype, shape):
        tensor = ITensor(name, dtype, shape)
        tensor.is_network_input = True
        self._inputs.append(tensor)
        return tensor

    def mark_output(self, tensor):
        tensor.is_network_output = True
        self._outputs.append(tensor)

    @property
    def num_inputs(self):
        return len(self._inputs)

    @property
    def num_outputs(self):
        return len(self._outputs)

    @property
    def num_layers(self):
        return len(self.layers)

    def get_input(self, index):
        return self._inputs[index]

    def get_output(self, index):
        return self._outputs[index]

    def get_layer(self, index):
        return self.layers[index]

    def add_constant(self, shape, weights):
        value = weights.numpy() if isinstance(weights, Weights) else np.asarray(weights)
        name = f"(Unnamed Layer* {len(self.layers)}) [Constant]"
        layer = IConstantLayer(LayerType.CONSTANT, [], [ITensor(f"{name}_output", DataType.FLOAT, shape)], name)  # noqa: F821
        layer.weights = value
        self.layers.append(layer)
        return layer

    def add_identity(self, input):  # noqa: A002
        name = f"(Unnamed Layer* {len(self.layers)}) [Identity]"
        layer = ILayer(LayerType.IDENTITY, [input], [ITensor(f"{name}_output", input.dtype, input.shape)], name)  # noqa: F821
        self.layers.append(layer)
        return layer

    def add_plugin(self, *args, **kwargs):
        """The three pybind11 overloads: ``(tuple)``, ``(func)`` and, from 10.9, ``(func, aot: bool)``."""
        if len(args) + len(kwargs) == 1 and not kwargs.keys() - {"tuple", "func"}:
            value = args[0] if args else next(iter(kwargs.values()))
            if isinstance(value, tuple):
                return self._add(value)
            if callable(value):
                return self._add(value() if not _AOT else value(self._request_from_flags()))
        if _AOT and len(args) + len(kwargs) == 2 and not kwargs.keys() - {"func", "aot"}:
            func = args[0] if args else kwargs.get("func")
            aot = args[1] if len(args) > 1 else kwargs.get("aot")
            if callable(func) and (aot is None or isinstance(aot, (builtins.bool, np.bool_))):
                strict = QuickPluginCreationRequest.STRICT_AOT if aot else QuickPluginCreationRequest.STRICT_JIT
                return self._add(func(strict))
        raise TypeError("add_plugin(): incompatible function arguments. The following argument types are supported:"
                        "\n    1. (self, tuple: tuple) -> IPluginV3Layer\n    2. (self, func: Callable) -> "
                        "IPluginV3Layer" + ("\n    3. (self, func: Callable, aot: bool) -> IPluginV3Layer"
                                            if _AOT else ""))

    def _request_from_flags(self):
        aot = self.get_flag(NetworkDefinitionCreationFlag.PREFER_AOT_PYTHON_PLUGINS)
        jit = self.get_flag(NetworkDefinitionCreationFlag.PREFER_JIT_PYTHON_PLUGINS)
        if aot and jit:
            raise ValueError("PREFER_AOT_PYTHON_PLUGINS and PREFER_JIT_PYTHON_PLUGINS cannot both be set")
        if aot:
            return QuickPluginCreationRequest.PREFER_AOT
        if jit:
            return QuickPluginCreationRequest.PREFER_JIT
        return QuickPluginCreationRequest.UNKNOWN

    def _add(self, result):
        inputs, shape_inputs, plugin = result
        for tensor in list(inputs) + list(shape_inputs):
            if not isinstance(tensor, ITensor):
                raise TypeError(f"add_plugin(): expected ITensor inputs, got {type(tensor)!r}")
        if not isinstance(plugin, IPluginV3):
            raise TypeError(f"add_plugin(): expected an IPluginV3, got {type(plugin)!r}")
        layer = IPluginV3Layer(plugin, inputs, shape_inputs, f"(Unnamed Layer* {len(self.layers)}) [PluginV3]")
        self.layers.append(layer)
        return layer


class IBuilderConfig:
    def __init__(self):
        self.flags = 0
        self.profiling_verbosity = ProfilingVerbosity.LAYER_NAMES_ONLY  # noqa: F821

    def set_flag(self, flag):
        self.flags |= 1 << int(flag)

    def get_flag(self, flag):
        return builtins.bool(self.flags & (1 << int(flag)))


class Builder:
    def __init__(self, logger=None):
        self.logger = logger
        self.platform_has_fast_fp16 = True
        self.platform_has_tf32 = True

    def create_network(self, flags=0):
        return INetworkDefinition(flags)

    def create_builder_config(self):
        return IBuilderConfig()


# ---------------------------------------------------------------------------------------------
# The builder's calls into a QDP plugin, for one plugin layer


def build_plugin_layer(layer, shapes, dtypes, tactic=0):
    """Drive ``layer``'s plugin the way TensorRT's builder drives a QDP plugin.

    ``shapes``: one concrete shape per input; ``dtypes``: one DataType per input and output.
    Returns a dict: ``aot`` (whether the plugin is an AOT one), the output shapes and, for AOT
    plugins, ``kernel_name``, ``ptx`` and the evaluated launch parameters and extra arguments.
    """
    plugin = layer.plugin
    num_inputs = len(shapes)
    ranks = [len(s) for s in shapes]
    plugin.get_output_data_types(list(dtypes[:num_inputs]), ranks)
    builder = IExprBuilder()
    symbols = {}
    in_exprs = []
    for i, shape in enumerate(shapes):
        exprs = DimsExprs(len(shape))
        for j, size in enumerate(shape):
            # Every dimension symbolic, as with dynamic shapes; values supplied when evaluated.
            name = f"in{i}_d{j}"
            symbols[name] = int(size)
            exprs[j] = IDimensionExpr(symbol=name)
        in_exprs.append(exprs)
    out_exprs = plugin.get_output_shapes(in_exprs, [], builder)
    out_shapes = [tuple(e.evaluate(symbols) for e in exprs) for exprs in out_exprs]
    in_out = []
    for i, shape in enumerate(list(shapes) + out_shapes):
        desc = DynamicPluginTensorDesc()
        desc.desc.dims = Dims(shape)
        desc.desc.type = dtypes[i]
        desc.desc.format = TensorFormat.LINEAR
        desc.min = desc.opt = desc.max = Dims(shape)
        in_out.append(desc)
    supported = plugin.get_supported_format_combinations(in_out, num_inputs)
    wanted = [(d.desc.type, d.desc.format) for d in in_out]
    offered = [[(c.type, c.format) for c in supported[k:k + len(in_out)]]
               for k in range(0, len(supported), len(in_out))]
    if wanted not in offered:
        raise ValueError(f"the plugin offers no format combination {wanted}; it offers {offered}")
    plugin.configure_plugin(in_out[:num_inputs], in_out[num_inputs:])
    plugin.set_tactic(tactic)
    result = {"aot": _AOT and isinstance(plugin, IPluginV3QuickAOTBuild), "output_shapes": out_shapes}
    if not result["aot"]:
        return result
    params = KernelLaunchParams()
    setter = _SymExprSetter()
    plugin.get_launch_params(in_exprs, in_out, num_inputs, params, setter, builder)

    def value(expr):
        inner = getattr(expr, "expr", expr)
        return inner.evaluate(symbols) if isinstance(inner, IDimensionExpr) else inner

    descs = [d.desc for d in in_out]
    kernel_name, ptx = plugin.get_kernel(descs[:num_inputs], descs[num_inputs:])
    result.update(
        kernel_name=kernel_name.decode() if isinstance(kernel_name, bytes) else kernel_name,
        ptx=bytes(ptx),
        grid=[value(params.grid_x), value(params.grid_y), value(params.grid_z)],
        block=[value(params.block_x), value(params.block_y), value(params.block_z)],
        shared_mem=value(params.shared_mem),
        extras=[value(v) for v in setter.values()],
        extra_dtypes=[getattr(v, "dtype", None) and v.dtype.name for v in setter.values()],
    )
    return result
