"""The ``torch.backends`` hook: it activates at ``import torch_tensorrt`` exactly when the settings say so."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _support.dists import run_python

from trt_plugin_hub._settings import read_settings

# A stand-in torch_tensorrt and a recording load_on_import: what the hook does, without plugins.
HOOK = """
import json, sys
import trt_plugin_hub._pipeline as pipeline
calls = []
pipeline.load_on_import = lambda: calls.append(1)
import _trt_plugin_hub_autoload, trt_plugin_hub._autoload as autoload
HOOK_CALL
import torch_tensorrt
print(json.dumps({"loaded": len(calls), "settings_read": "trt_plugin_hub._settings" in sys.modules}))
"""

VALUES = [None, "", " ", "1", "on", "0", "OFF", "maybe"]


@pytest.fixture(scope="module")
def fake_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("hook-site")
    (site / "torch_tensorrt").mkdir()
    (site / "torch_tensorrt" / "__init__.py").write_text("")
    return site


#: The entry point (``_trt_plugin_hub_autoload:hook``) and ``_autoload.install`` called directly.
CALLS = ["_trt_plugin_hub_autoload.hook()", "autoload.install()"]


@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize("disable", [None, "1"])
@pytest.mark.parametrize("autoload", VALUES)
def test_the_hook_loads_exactly_when_the_settings_say_so(fake_site: Path, autoload: str | None, disable: str | None,
                                                         call: str):
    env = {name: value for name, value in (("TRT_PLUGIN_HUB_AUTOLOAD", autoload), ("TRT_PLUGIN_HUB_DISABLE", disable))
           if value is not None}
    out = json.loads(run_python(HOOK.replace("HOOK_CALL", call), paths=[fake_site], env=env).stdout)
    settings = read_settings(env)
    assert out == {"loaded": int(settings.autoload and not settings.disabled), "settings_read": True}


def test_import_torch_alone_reads_no_settings():
    out = run_python("import sys, trt_plugin_hub._autoload as a; a.install(); "
                     "print('trt_plugin_hub._settings' in sys.modules)", env={"TRT_PLUGIN_HUB_AUTOLOAD": "0"})
    assert out.stdout.strip() == "False"


# The entry point in each import order, with a recording load_on_import. ``ORDER`` is replaced by
# the statements of one order; ``torch_tensorrt`` is a stand-in package.
ORDERS = """
import json, sys
import trt_plugin_hub._pipeline as pipeline
calls = []
pipeline.load_on_import = lambda: calls.append(sorted(m for m in sys.modules if m == "torch_tensorrt"))
import _trt_plugin_hub_autoload
ORDER
print(json.dumps({"calls": calls, "finders": sum(getattr(f, "hub_autoload", False) is True for f in sys.meta_path),
                  "seen": seen}))
"""

ORDER_STATEMENTS = {
    # import torch first: the hook waits; _autoload is loaded only when torch_tensorrt is imported.
    "torch_first": ("_trt_plugin_hub_autoload.hook(); _trt_plugin_hub_autoload.hook()\n"
                    "seen = ['trt_plugin_hub._autoload' in sys.modules]\n"
                    "import torch_tensorrt\n"
                    "seen.append('trt_plugin_hub._autoload' in sys.modules)\n"
                    "import torch_tensorrt"),
    # torch_tensorrt imported (and finished) before the hook runs: activation at once.
    "torch_tensorrt_done": ("import torch_tensorrt\n"
                            "_trt_plugin_hub_autoload.hook()\n"
                            "seen = ['trt_plugin_hub._autoload' in sys.modules]"),
    # torch_tensorrt imports torch first thing: the hook runs while it is half initialised.
    "torch_tensorrt_first": ("import torch_tensorrt\n"
                             "seen = ['trt_plugin_hub._autoload' in sys.modules]"),
}

EXPECTED = {
    "torch_first": {"calls": [["torch_tensorrt"]], "finders": 0, "seen": [False, True]},
    "torch_tensorrt_done": {"calls": [["torch_tensorrt"]], "finders": 0, "seen": [True]},
    "torch_tensorrt_first": {"calls": [["torch_tensorrt"]], "finders": 0, "seen": [True]},
}


@pytest.mark.parametrize("order", sorted(ORDER_STATEMENTS))
def test_the_entry_point_activates_once_in_every_import_order(tmp_path: Path, order: str):
    site = tmp_path / "site"
    (site / "torch_tensorrt").mkdir(parents=True)
    # In the last order torch_tensorrt runs the hook itself while half initialised, as its `import torch` does.
    init = "import _trt_plugin_hub_autoload\n_trt_plugin_hub_autoload.hook()\n" if order == "torch_tensorrt_first" else ""
    (site / "torch_tensorrt" / "__init__.py").write_text(init)
    code = ORDERS.replace("ORDER", ORDER_STATEMENTS[order])
    out = json.loads(run_python(code, paths=[site], env={"TRT_PLUGIN_HUB_AUTOLOAD": "1"}).stdout)
    assert out == EXPECTED[order]
