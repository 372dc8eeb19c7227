"""``torch_tensorrt.dynamo`` double: converter registry, plugin converters, ``compile`` stand-in."""

# Same order as upstream's ``_compiler`` imports: conversion first, then lowering (whose import
# is where a host without a driver fails from 2.8 on).
from torch_tensorrt.dynamo import conversion  # noqa: F401
from torch_tensorrt.dynamo import lowering  # noqa: F401
from torch_tensorrt.dynamo._compiler import compile  # noqa: A004
from torch_tensorrt.dynamo._settings import CompilationSettings

__all__ = ["CompilationSettings", "compile"]
