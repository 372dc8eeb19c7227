"""``python -m trt_plugin_hub.build PACKAGE_DIR``: the same as ``trt-plugin-hub build PACKAGE_DIR``."""

from __future__ import annotations

import sys
from collections.abc import Sequence

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the build; return 0 on success and 1 on a build error."""
    from trt_plugin_hub.cli import main as cli_main

    return cli_main(["build", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
