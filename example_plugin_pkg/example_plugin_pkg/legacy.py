"""Hand-written Torch-TensorRT converters (``kind: legacy`` ops); none yet."""
