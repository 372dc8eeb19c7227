"""Feature probe shared by the plugin modules."""

import tensorrt as trt

# The same probe upstream uses: AOT plugins need the QuickPluginCreationRequest enum (>= 10.9).
IS_AOT_ENABLED: bool = hasattr(trt, "QuickPluginCreationRequest")
