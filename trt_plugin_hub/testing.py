"""pytest fixtures for plugin authors: test a plugin package through the hub, as its users get it.

Installing trt-plugin-hub registers this module as a pytest plugin (the ``pytest11`` entry point),
so a plugin project's tests can ask for these fixtures without a ``conftest.py``:

``hub_report(package, *, target=None)``
   What the hub decides for the installed ``package`` alone (its manifest read, its requirements
   checked against this host or ``target``), as a :class:`~trt_plugin_hub.PluginReport`. Runs none
   of the plugin's code and needs neither TensorRT nor Torch-TensorRT.
``hub_activate(package, *, target=None)``
   Activates ``package`` alone in this process under the TensorRT and Torch-TensorRT the test
   environment has, as ``import torch_tensorrt`` would, and returns its
   :class:`~trt_plugin_hub.PluginReport`. The test is skipped, saying why, where ``tensorrt.plugin``
   or ``torch_tensorrt`` cannot be imported. The package's own op ids are allowed to exist before
   activation (the session's tests may have imported its torch ops already). Activation registers
   ops for the rest of the process (nothing upstream can unregister them), so later calls return
   the first report.
``hub_settings``
   The isolated :class:`~trt_plugin_hub.Settings` both use: every ``TRT_PLUGIN_HUB_*`` variable
   of the environment removed for the test, the discovery cache in the test's temporary directory,
   only the package under test allowed.

``package`` is the import name of the package holding ``trt_plugin.json``; it must be installed
(``pip install -e .`` in the project) so its ``torch_tensorrt.plugins`` entry point exists. The
host to decide for defaults to this one; ``pytest --trt-hub-target "sm_90, driver=580"`` (or the
``trt_hub_target`` ini option) describes another, in the ``--target`` syntax of ``trt-plugin-hub
list``, for hosts without the GPU. ``-p no:trt_plugin_hub`` turns the plugin off.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Protocol

import pytest

from ._report import PluginReport
from ._settings import Settings

__all__ = ["HubCall", "hub_activate", "hub_report", "hub_settings", "pytest_addoption"]

_TARGET_OPTION = "--trt-hub-target"
_TARGET_INI = "trt_hub_target"
_GROUP = "torch_tensorrt.plugins"
# Reports of packages activated in this process, by (package, target): activation cannot be undone.
_ACTIVATED: dict[tuple[str, str | None], PluginReport] = {}


class HubCall(Protocol):
    """``hub_report`` and ``hub_activate``: the package's report, for this host or ``target``."""

    def __call__(self, package: str, *, target: str | None = None) -> PluginReport:
        """The report of the installed ``package``."""


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--trt-hub-target`` and the ``trt_hub_target`` ini option."""
    help_text = ("the host trt-plugin-hub's fixtures decide for, in the --target syntax of `trt-plugin-hub list` "
                 "(e.g. 'sm_90, driver=580'); default: this host")
    parser.getgroup("trt-plugin-hub").addoption(_TARGET_OPTION, default=None, help=help_text)
    parser.addini(_TARGET_INI, help_text, default=None)


def _configured_target(config: pytest.Config) -> str | None:
    value = config.getoption(_TARGET_OPTION) or config.getini(_TARGET_INI)
    return str(value) if value else None


def _entry_point_name(package: str) -> str:
    """The ``torch_tensorrt.plugins`` entry point naming ``package``; fails the test when none does."""
    from ._discovery.scan import scan_entry_points

    for record in scan_entry_points():
        if record.value.partition(":")[0].strip() == package:
            return record.name
    pytest.fail(f"no installed distribution has a '{_GROUP}' entry point naming {package!r}: install the project "
                "(`pip install -e .`) before testing it through trt-plugin-hub", pytrace=False)


def _plugin(package: str, plugins: tuple[PluginReport, ...], name: str) -> PluginReport:
    for plugin in plugins:
        # The report names the entry point as "name = package".
        if plugin.entry_point.partition("=")[2].partition(":")[0].strip() == package:
            return plugin
    pytest.fail(f"trt-plugin-hub found no plugin for {package!r} (entry point {name!r})", pytrace=False)


@pytest.fixture
def hub_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Settings]:
    """Settings isolated from the environment: no ``TRT_PLUGIN_HUB_*`` of the caller, caches in ``tmp_path``."""
    from . import _pipeline
    from ._settings import ENV_VARS, read_settings

    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TRT_PLUGIN_HUB_CACHE_DIR", str(tmp_path / "trt-plugin-hub-cache"))
    # Importing torch_tensorrt in the test must not activate every installed plugin behind its back.
    monkeypatch.setenv("TRT_PLUGIN_HUB_AUTOLOAD", "0")
    _pipeline.reset_for_tests()
    yield read_settings()
    _pipeline.reset_for_tests()


def _settings_for(settings: Settings, package: str, target: str | None) -> tuple[Settings, str]:
    from ._settings import canonical_name

    name = _entry_point_name(package)
    # Allow patterns are compared with normalised names, as TRT_PLUGIN_HUB_ALLOW's are.
    return replace(settings, allow=(canonical_name(name),), target=target), name


@pytest.fixture
def hub_report(hub_settings: Settings, request: pytest.FixtureRequest) -> HubCall:
    """``hub_report(package, *, target=None)``: the hub's decisions for ``package`` alone, running none of its code."""
    from . import _pipeline

    default_target = _configured_target(request.config)

    def report(package: str, *, target: str | None = None) -> PluginReport:
        settings, name = _settings_for(hub_settings, package, target or default_target)
        return _plugin(package, _pipeline.report(settings=settings).plugins, name)

    return report


@pytest.fixture
def hub_activate(hub_settings: Settings, request: pytest.FixtureRequest) -> HubCall:
    """``hub_activate(package, *, target=None)``: ``package`` activated alone under the real TensorRT layers."""
    from . import _pipeline

    default_target = _configured_target(request.config)

    def activate(package: str, *, target: str | None = None) -> PluginReport:
        target = target or default_target
        if (package, target) in _ACTIVATED:
            return _ACTIVATED[(package, target)]
        from . import _adapter

        missing = _adapter.upstream_unavailable()
        if missing is not None:
            pytest.skip(f"hub_activate needs TensorRT (with tensorrt.plugin) and Torch-TensorRT: {missing}")
        settings, name = _settings_for(hub_settings, package, target)
        # The test session may have imported the package's torch ops already (its own tests do): the
        # hub would take them for another package's. They are the package's own: allow them.
        own = _plugin(package, _pipeline.report(settings=settings).plugins, name).ops
        settings = replace(settings, allow_ops=settings.allow_ops | {op.id for op in own})
        plugin = _plugin(package, _pipeline.load(settings=settings, refresh=True, strict=False).plugins, name)
        _ACTIVATED[(package, target)] = plugin
        return plugin

    return activate
