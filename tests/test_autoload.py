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
import trt_plugin_hub._autoload as autoload
autoload.install()
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


@pytest.mark.parametrize("disable", [None, "1"])
@pytest.mark.parametrize("autoload", VALUES)
def test_the_hook_loads_exactly_when_the_settings_say_so(fake_site: Path, autoload: str | None, disable: str | None):
    env = {name: value for name, value in (("TRT_PLUGIN_HUB_AUTOLOAD", autoload), ("TRT_PLUGIN_HUB_DISABLE", disable))
           if value is not None}
    out = json.loads(run_python(HOOK, paths=[fake_site], env=env).stdout)
    settings = read_settings(env)
    assert out == {"loaded": int(settings.autoload and not settings.disabled), "settings_read": True}


def test_import_torch_alone_reads_no_settings():
    out = run_python("import sys, trt_plugin_hub._autoload as a; a.install(); "
                     "print('trt_plugin_hub._settings' in sys.modules)", env={"TRT_PLUGIN_HUB_AUTOLOAD": "0"})
    assert out.stdout.strip() == "False"
