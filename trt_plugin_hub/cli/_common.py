"""What every command shares: exit codes, usage errors, the environment line, target help."""

from __future__ import annotations

from typing import Any

__all__ = [
    "EXIT_INTERNAL",
    "EXIT_OK",
    "EXIT_PROBLEMS",
    "EXIT_USAGE",
    "TARGET_HELP",
    "UsageError",
    "environment_line",
    "mark",
]

#: Exit codes, the same for every command (docs/cli.rst).
EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3

TARGET_HELP = ("decide for another host, e.g. 'sm_90, trt=10.13, driver=580' (items: sm_XY or cc=X.Y, trt=, torch=, "
               "tt= (torch_tensorrt), numpy=, driver=, python=); unnamed items come from this host")


class UsageError(Exception):
    """A mistake in the command line that argparse cannot see (unknown plugin name...)."""


def mark(passed: bool | None) -> str:
    """The four-character mark of a check in text output."""
    return {True: "ok  ", False: "FAIL", None: "--  "}[passed]


def environment_line(env: Any) -> str:
    """One line describing the host (or target) the decisions were made for."""
    cc = env.compute_capability
    gpu = "none found"
    if cc:
        gpu = f"{env.gpu_name} (sm_{cc[0]}{cc[1]})" if env.gpu_name else f"sm_{cc[0]}{cc[1]}"
    isa = env.max_ptx_isa
    parts = [
        f"tensorrt {env.tensorrt or 'not installed'}",
        f"torch {env.torch or 'not installed'}",
        f"torch_tensorrt {env.torch_tensorrt or 'not installed'}",
        f"GPU {gpu}",
        f"driver {env.driver or 'none'}" + (f" (PTX ISA <= {isa[0]}.{isa[1]})" if isa else ""),
        f"python {env.python}",
    ]
    prefix = "Target" if env.is_target else "Environment"
    return f"{prefix}: " + " | ".join(parts)
