"""``trt-plugin-hub cache``: where the discovery cache is, whether it is current; clear it."""

from __future__ import annotations

import argparse
import json
from typing import Any

from trt_plugin_hub._discovery.cache import cache_info, clear_cache
from trt_plugin_hub._envelope import envelope
from trt_plugin_hub._settings import read_settings
from trt_plugin_hub._warm import plan_path

from ._common import EXIT_OK

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add ``cache clear`` and ``cache info [--json]`` to the command line."""
    parser = subparsers.add_parser("cache", help="the discovery cache and activation plans: where they are, clear them")
    actions = parser.add_subparsers(dest="cache_command", metavar="ACTION")
    actions.required = True
    p_clear = actions.add_parser("clear", help="remove every cached discovery result")
    p_clear.set_defaults(func=_clear)
    p_info = actions.add_parser("info", help="location, size and whether this environment's entry is current")
    p_info.add_argument("--json", action="store_true", help="print as JSON")
    p_info.set_defaults(func=_info)


def _clear(args: argparse.Namespace) -> int:  # noqa: ARG001 - every command takes its arguments
    directory = read_settings().cache_dir
    if directory is None:
        print("No cache directory (no home directory and TRT_PLUGIN_HUB_CACHE_DIR is not set).")
        return EXIT_OK
    removed = clear_cache(directory)
    print(f"Removed {removed} cache file(s) from {directory}.")
    return EXIT_OK


def _info(args: argparse.Namespace) -> int:
    settings = read_settings()
    info = cache_info(settings)
    plan = plan_path(settings)
    present = plan is not None and plan.exists()
    if args.json:
        body = {**info.to_dict(), "plan_file": None if plan is None else str(plan), "plan_present": present}
        print(json.dumps(envelope("cache-info", body), indent=2))
        return EXIT_OK
    print(f"directory:  {info.directory or 'none (no home directory)'}")
    print(f"bypassed:   {'yes (TRT_PLUGIN_HUB_NO_CACHE)' if info.bypassed else 'no'}")
    print(f"writable:   {'yes' if info.writable else 'no (discovery runs uncached)'}")
    print(f"files:      {info.files} ({info.size_bytes} bytes)")
    state = "current" if info.current_valid else "absent or outdated (rebuilt on next discovery)"
    plugins = f", {info.current_plugins} plugin(s)" if info.current_plugins is not None else ""
    print(f"this environment: {info.current_file or '-'}: {state}{plugins}")
    plan_state = ("present (checked at import torch_tensorrt against what is installed and imported then)" if present
                  else "none yet (left by the next activation that decides)")
    print(f"activation plan:  {plan or '-'}: {plan_state if plan is not None else 'off'}")
    return EXIT_OK
