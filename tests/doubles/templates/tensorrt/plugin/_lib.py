"""QDP registration: ``register``/``impl``/``aot_impl``/``autotune``, ``op`` and the registries.

Reproduced from upstream (version-gated by the configured TensorRT version):
  * ``QDP_REGISTRY`` (plugin id -> :class:`PluginDef`) and ``QDP_CREATORS`` are plain module
    dicts; there is no unregister.
  * ``register`` validates (see ``_validate``), raises ValueError for an id already defined
    without touching any registry, and unless ``lazy_register`` registers a creator
    (version "1") with ``tensorrt.get_plugin_registry()``; an existing creator with the same
    (name, "1", namespace), e.g. from a C++ library, is kept and used instead.
  * ``impl``/``aot_impl``/``autotune`` silently overwrite; an unregistered id is a ValueError.
  * ``aot_impl`` and the ``aot_impl_func``/``aot_impl_attr_names`` fields exist from 10.9.
  * ``QDP_CREATORS`` is keyed "name::namespace" before 10.10 and "namespace::name" after, so
    before 10.10 every plugin call re-runs creator registration (harmless: the registry keeps
    the first creator).
  * Calling a PluginDef checks tensors are ``trt.ITensor``, attribute types are exact
    (``type(value) is annotation``; numpy dtypes must match) and that ALL attributes are given
    as keywords in registration order; it returns a callable plugin-call object that
    ``INetworkDefinition.add_plugin`` invokes with a ``QuickPluginCreationRequest`` (>= 10.9).
"""

from __future__ import annotations

import types
import typing
from typing import Any, Callable, Optional

import tensorrt as trt
from tensorrt._double_config import VERSION_TUPLE as _V

from ._export import IS_AOT_ENABLED
from ._plugin_class import _TemplateAOTPlugin, _TemplateJITPlugin
from ._utils import _infer_numpy_type, _join_with, np
from ._validate import (
    _parse_register_inputs,
    _parse_register_return,
    _validate_aot_impl,
    _validate_autotune,
    _validate_impl,
    _validate_name_and_namespace,
)


class _PluginNamespace(types.ModuleType):
    """``tensorrt.plugin.op.<namespace>``: plugin definitions bound as attributes."""

    def __init__(self, namespace: str) -> None:
        super().__init__("tensorrt.plugin.op." + namespace)
        self._namespace = namespace

    def define(self, name: str, plugin_def: "PluginDef") -> None:
        assert not hasattr(self, name)
        setattr(self, name, plugin_def)

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(
            f"'{self.__class__.__name__}' object '{self._namespace}' has no attribute '{name}'"
        )

    def __repr__(self) -> str:
        return f'_PluginNamespace(namespace="{self._namespace}")'


class _Op(types.ModuleType):
    """``tensorrt.plugin.op``: namespaces bound as attributes on first registration."""

    def __init__(self) -> None:
        super().__init__("tensorrt.plugin.op")

    def define_or_get(self, namespace: str) -> _PluginNamespace:
        if hasattr(self, namespace):
            return getattr(self, namespace)
        ns = _PluginNamespace(namespace)
        setattr(self, namespace, ns)
        return ns

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(f"'{self.__class__.__name__}' object has no attribute '{name}'")


op = _Op()

QDP_CREATORS: dict[str, Any] = {}
QDP_REGISTRY: dict[str, "PluginDef"] = {}


def _creator_key(namespace: str, name: str) -> str:
    # Upstream swapped the key order in 10.10; keep each version's spelling.
    return f"{name}::{namespace}" if _V < (10, 10) else f"{namespace}::{name}"


def _field_type(value: Any) -> Any:
    if isinstance(value, str):
        return trt.PluginFieldType.CHAR
    if isinstance(value, bytes):
        return trt.PluginFieldType.UNKNOWN
    if isinstance(value, bool):
        return trt.PluginFieldType.INT8
    if isinstance(value, int):
        return trt.PluginFieldType.INT64
    if isinstance(value, float):
        return trt.PluginFieldType.FLOAT64
    return trt.PluginFieldType.UNKNOWN


class _PluginCall:
    """What calling a PluginDef returns: upstream returns a closure ``add_plugin`` calls with
    the creation request. Also exposes ``plugin_id``, ``inputs`` and ``attrs`` for tests."""

    def __init__(self, plugin_def: "PluginDef", name: str, namespace: str, inputs: list[Any], attrs: dict[str, Any], creator: Any) -> None:
        self.plugin_def = plugin_def
        self.plugin_id = plugin_def.plugin_id
        self.name = name
        self.namespace = namespace
        self.inputs = inputs
        self.attrs = attrs
        self.creator = creator
        self.fields = trt.PluginFieldCollection(
            trt.PluginField(k, v, _field_type(v)) for k, v in attrs.items()
        )

    def __call__(self, *request: Any) -> tuple[list[Any], list[Any], Any]:
        if _V < (10, 9) and request:
            raise TypeError("create_plugin_instance() takes 0 positional arguments but 1 was given")
        if len(request) > 1:
            raise TypeError("create_plugin_instance() takes at most 1 argument")
        qpcr = request[0] if request else None
        if qpcr is not None and isinstance(self.creator, trt.IPluginCreatorV3Quick):
            plugin = self.creator.create_plugin(self.name, self.namespace, self.fields, trt.TensorRTPhase.BUILD, qpcr)
        else:
            plugin = self.creator.create_plugin(self.name, self.namespace, self.fields, trt.TensorRTPhase.BUILD)
        return self.inputs, [], plugin

    def __repr__(self) -> str:
        return f"<plugin call {self.plugin_id} inputs={len(self.inputs)} attrs={self.attrs}>"


class PluginDef:
    """Metadata of a registered plugin; calling it creates a plugin instance for a network."""

    def __init__(self) -> None:
        self.plugin_id: Optional[str] = None
        self.register_func: Optional[Callable[..., Any]] = None
        self.impl_func: Optional[Callable[..., Any]] = None
        if IS_AOT_ENABLED:
            # These attributes do not exist at all before 10.9 (reading them is AttributeError).
            self.aot_impl_func: Optional[Callable[..., Any]] = None
            self.aot_impl_attr_names: Optional[list[str]] = None
        self.autotune_func: Optional[Callable[..., Any]] = None
        self.autotune_attr_names: Optional[list[str]] = None
        self.input_tensor_names: Optional[list[str]] = None
        self.input_attrs: Optional[dict[str, Any]] = None
        self.impl_attr_names: Optional[list[str]] = None
        self.num_outputs: Optional[int] = None
        self.input_arg_schema: Optional[str] = None
        self.expects_tactic: Optional[bool] = None

    def __call__(self, *args: Any, **kwargs: Any) -> _PluginCall:
        assert self.plugin_id is not None and self.input_attrs is not None
        namespace, name = self.plugin_id.split("::")
        inputs: list[Any] = []
        chunks: list[str] = []
        for t in args:
            if not isinstance(t, trt.ITensor):
                raise ValueError(f"Expected trt.ITensor but got input of type {type(t)}")
            chunks.append("ITensor")
            inputs.append(t)

        attrs: dict[str, Any] = {}
        for key, value in kwargs.items():
            if key not in self.input_attrs:
                raise ValueError(
                    f"Unexpected attribute {key} provided. Expected one of {self.input_attrs.keys()}."
                )
            annotation = self.input_attrs[key]
            if np is not None and isinstance(value, np.ndarray):
                if typing.get_origin(annotation) is np.ndarray:
                    expected = np.dtype(_infer_numpy_type(annotation))
                    if expected != np.dtype(value.dtype):
                        raise ValueError(
                            f"Unexpected dtype '{np.dtype(value.dtype)}' for attribute '{key}'. "
                            f"Expected '{expected}'."
                        )
            elif annotation is not type(value):
                # Exact type match, as upstream: an int for a float attribute is rejected.
                raise ValueError(
                    f"Unexpected type '{type(value)}' for attribute '{key}'. Expected '{annotation}'."
                )
            attrs[key] = value
            chunks.append(key)

        expected_schema = (
            f"({_join_with(['ITensor'] * len(self.input_tensor_names or []))}"
            + _join_with(list(self.input_attrs.keys()), True)
            + ")"
        )
        schema = f"({', '.join(chunks)})"
        if schema != expected_schema:
            raise ValueError(f"Unexpected schema {schema} received. Expected {expected_schema}.")

        if self.plugin_id in QDP_CREATORS:
            creator = trt.get_plugin_registry().get_creator(name, "1", namespace)
        else:
            attrs_types = {
                k: ((False, v.dtype) if np is not None and isinstance(v, np.ndarray) else (True, type(v)))
                for k, v in kwargs.items()
            }
            creator = _register_plugin_creator(name, namespace, attrs_types)
        return _PluginCall(self, name, namespace, inputs, attrs, creator)

    def __repr__(self) -> str:
        return f"<PluginDef {self.plugin_id}>"


class _TemplatePluginCreator(trt.IPluginCreatorV3Quick):
    """Creator registered for every QDP plugin; decides JIT vs AOT per creation request."""

    def __init__(self, name: str, namespace: str, attrs: dict[str, tuple[bool, Any]]) -> None:
        self.name = name
        self.plugin_namespace = namespace
        self.plugin_version = "1"
        self.field_names = trt.PluginFieldCollection(
            trt.PluginField(k, None, _field_type(t()) if builtin else trt.PluginFieldType.UNKNOWN)
            for k, (builtin, t) in attrs.items()
        )
        super().__init__()

    def create_plugin(self, name: str, namespace: str, fc: Any, phase: Any, qpcr: Any = None) -> Any:
        desc = QDP_REGISTRY[f"{namespace}::{name}"]
        attrs: dict[str, Any] = {}
        for f in fc:
            if f.name not in desc.input_attrs:
                raise AssertionError(
                    f"Unexpected attribute {f.name} provided to create_plugin. Expected one of "
                    f"{desc.input_attrs.keys()}."
                )
            attrs[f.name] = f.data

        if qpcr is None:
            use_jit = True
        else:
            req = trt.QuickPluginCreationRequest
            aot_defined = desc.aot_impl_func is not None
            jit_defined = desc.impl_func is not None
            if qpcr == req.STRICT_AOT:
                if not aot_defined:
                    raise ValueError(
                        f"AOT implementation requested, but not defined for '{desc.plugin_id}'. "
                        "Was @trt.plugin.aot_impl defined?"
                    )
                use_jit = False
            elif qpcr == req.STRICT_JIT:
                if not jit_defined:
                    raise ValueError(
                        f"JIT implementation requested, but not defined for '{desc.plugin_id}'. "
                        "Was @trt.plugin.impl defined?"
                    )
                use_jit = True
            elif aot_defined and jit_defined:
                if qpcr == req.PREFER_AOT:
                    use_jit = False
                elif qpcr == req.PREFER_JIT:
                    use_jit = True
                else:
                    raise ValueError(
                        f"Plugin '{desc.plugin_id}' has both AOT and JIT implementations. "
                        "NetworkDefinitionCreationFlag.PREFER_AOT_PYTHON_PLUGINS or "
                        "NetworkDefinitionCreationFlag.PREFER_JIT_PYTHON_PLUGINS should be specified."
                    )
            elif aot_defined:
                use_jit = False
            elif jit_defined:
                use_jit = True
            else:
                raise ValueError(
                    f"Plugin '{desc.plugin_id}' does not have either a AOT or JIT implementation."
                )

        if use_jit:
            plugin: Any = _TemplateJITPlugin(name, namespace, desc.num_outputs or 1)
            plugin.init(
                desc.register_func, attrs, desc.impl_attr_names, desc.impl_func,
                desc.autotune_attr_names, desc.autotune_func, bool(desc.expects_tactic),
            )
        else:
            plugin = _TemplateAOTPlugin(name, namespace, desc.num_outputs or 1)
            plugin.init(
                desc.register_func, attrs, desc.aot_impl_attr_names, desc.aot_impl_func,
                desc.autotune_attr_names, desc.autotune_func,
            )
        return plugin


def _register_plugin_creator(name: str, namespace: str, attrs_types: dict[str, tuple[bool, Any]]) -> Any:
    registry = trt.get_plugin_registry()
    registry.register_creator(_TemplatePluginCreator(name, namespace, attrs_types), namespace)
    # Whatever is registered under (name, "1", namespace) wins, ours or an earlier one.
    creator = registry.get_creator(name, "1", namespace)
    QDP_CREATORS[_creator_key(namespace, name)] = creator
    return creator


def _require_registered(plugin_id: str) -> PluginDef:
    if plugin_id not in QDP_REGISTRY:
        raise ValueError(
            f"Plugin {plugin_id} is not registered. Did you register it with tensorrt.plugin.register API?"
        )
    return QDP_REGISTRY[plugin_id]


def register(plugin_id: str, lazy_register: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator registering a plugin's I/O description under ``"namespace::name"``."""

    def decorator(register_func: Callable[..., Any]) -> Callable[..., Any]:
        plugin_ns, plugin_name = plugin_id.split("::")
        _validate_name_and_namespace(plugin_ns, plugin_name)
        op_namespace = op.define_or_get(plugin_ns)
        if hasattr(op_namespace, plugin_name):
            raise ValueError(f"'{op.__class__.__name__}' already has a defintion for '{plugin_name}'")

        tensor_names, input_attrs, schema, attrs_types = _parse_register_inputs(register_func, lazy_register)
        plugin_def = PluginDef()
        plugin_def.plugin_id = plugin_id
        plugin_def.register_func = register_func
        plugin_def.input_tensor_names = tensor_names
        plugin_def.input_attrs = input_attrs
        plugin_def.input_arg_schema = schema
        plugin_def.num_outputs = _parse_register_return(register_func)

        QDP_REGISTRY[plugin_id] = plugin_def
        if not lazy_register:
            _register_plugin_creator(plugin_name, plugin_ns, attrs_types)
        op_namespace.define(plugin_name, plugin_def)
        return register_func

    return decorator


def impl(plugin_id: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator setting (or silently replacing) the JIT implementation."""

    def decorator(impl_func: Callable[..., Any]) -> Callable[..., Any]:
        plugin_def = _require_registered(plugin_id)
        attr_names, found_tactic = _validate_impl(impl_func, plugin_def)
        plugin_def.impl_func = impl_func
        plugin_def.impl_attr_names = attr_names
        plugin_def.expects_tactic = found_tactic
        return impl_func

    return decorator


def autotune(plugin_id: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator setting (or silently replacing) the autotune function."""

    def decorator(autotune_func: Callable[..., Any]) -> Callable[..., Any]:
        plugin_def = _require_registered(plugin_id)
        attr_names = _validate_autotune(autotune_func, plugin_def)
        plugin_def.autotune_func = autotune_func
        plugin_def.autotune_attr_names = attr_names
        return autotune_func

    return decorator


if IS_AOT_ENABLED:

    def aot_impl(plugin_id: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Decorator setting (or silently replacing) the AOT implementation (>= 10.9).

        Upstream calls it during the engine build, never at registration; the double never
        calls it.
        """

        def decorator(aot_impl_func: Callable[..., Any]) -> Callable[..., Any]:
            plugin_def = _require_registered(plugin_id)
            attr_names = _validate_aot_impl(aot_impl_func, plugin_def)
            plugin_def.aot_impl_func = aot_impl_func
            plugin_def.aot_impl_attr_names = attr_names
            return aot_impl_func

        return decorator

