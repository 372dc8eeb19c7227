"""Plugin objects a QDP creator hands to ``add_plugin``.

Upstream these are full ``IPluginV3`` implementations that run the Python ``impl`` (JIT) or
embed the kernel returned by ``aot_impl`` (AOT) when the engine is built. The double builds no
engine, so they only record which implementation was chosen and the attributes.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

import tensorrt as trt


class _TemplatePluginBase(trt.IPluginV3):
    is_aot: bool = False

    def __init__(self, name: str, namespace: str, num_outputs: int) -> None:
        self.plugin_name = name
        self.plugin_namespace = namespace
        self.plugin_version = "1"
        self.plugin_id = f"{namespace}::{name}"
        self.num_outputs = num_outputs
        self.attrs: dict[str, Any] = {}
        self.register_function: Optional[Callable[..., Any]] = None
        self.autotune_function: Optional[Callable[..., Any]] = None

    def __repr__(self) -> str:
        kind = "AOT" if self.is_aot else "JIT"
        return f"<{kind} QDP plugin {self.plugin_id} attrs={self.attrs}>"


class _TemplateJITPlugin(_TemplatePluginBase):
    is_aot = False

    def init(
        self,
        register_function: Callable[..., Any],
        attrs: dict[str, Any],
        impl_attr_names: Any,
        impl_function: Callable[..., Any],
        autotune_attr_names: Any,
        autotune_function: Optional[Callable[..., Any]],
        expects_tactic: bool,
    ) -> None:
        self.register_function = register_function
        self.attrs = dict(attrs)
        self.impl_attr_names = impl_attr_names
        self.impl_function = impl_function
        self.autotune_attr_names = autotune_attr_names
        self.autotune_function = autotune_function
        self.expects_tactic = expects_tactic


class _TemplateAOTPlugin(_TemplatePluginBase):
    is_aot = True

    def init(
        self,
        register_function: Callable[..., Any],
        attrs: dict[str, Any],
        aot_impl_attr_names: Any,
        aot_impl_function: Callable[..., Any],
        autotune_attr_names: Any,
        autotune_function: Optional[Callable[..., Any]],
    ) -> None:
        self.register_function = register_function
        self.attrs = dict(attrs)
        self.aot_impl_attr_names = aot_impl_attr_names
        self.aot_impl_function = aot_impl_function
        self.autotune_attr_names = autotune_attr_names
        self.autotune_function = autotune_function
