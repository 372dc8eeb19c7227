"""``python -m trt_plugin_hub``: the same as the ``trt-plugin-hub`` command."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
