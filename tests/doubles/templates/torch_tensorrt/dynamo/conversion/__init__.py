"""Conversion package double (registry, context, plugin converter generation)."""

from torch_tensorrt.dynamo.conversion import plugins  # noqa: F401
from torch_tensorrt.dynamo.conversion._ConversionContext import ConversionContext  # noqa: F401
from torch_tensorrt.dynamo.conversion._ConverterRegistry import *  # noqa: F401,F403
