"""Context handed to converters: the network being built and the settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from torch_tensorrt.dynamo._settings import CompilationSettings


@dataclass
class ConversionContext:
    net: Any
    compilation_settings: CompilationSettings = field(default_factory=CompilationSettings)
    requires_output_allocator: bool = False
