"""Plugin package double.

As upstream, this imports ``generate_plugin_converter`` from the ``_generate_plugin_converter``
submodule, so the package attribute ``_generate_plugin_converter`` is the MODULE; the private
function is ``plugins._generate_plugin_converter._generate_plugin_converter``.

Simplification: upstream 2.7+ also exports ``custom_op`` and ``generate_plugin``; the double
does not.
"""

from torch_tensorrt.dynamo.conversion.plugins._generate_plugin_converter import (  # noqa: F401
    generate_plugin_converter,
)
