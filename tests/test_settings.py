"""The settings: every variable read in one place, under one rule (empty = unset, invalid = default + one warning)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from packaging.utils import canonicalize_name

from trt_plugin_hub import _settings
from trt_plugin_hub._environment import current_environment
from trt_plugin_hub._settings import ENV_VARS, Settings, autoload_enabled, canonical_name, read_settings

PACKAGE = Path(_settings.__file__).resolve().parent
DEFAULT_CACHE = Path.home() / ".cache" / "trt-plugin-hub"

#: "The default" in a table cell.
DEFAULT = object()


@pytest.fixture(autouse=True)
def fresh_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts as a new process would: nothing warned yet."""
    monkeypatch.setattr(_settings, "_WARNED", set())


@dataclass(frozen=True)
class Row:
    """One variable: how to read it, its default, a valid and an invalid value, and what each gives."""

    name: str
    read: Callable[[Mapping[str, str]], Any]
    default: Any
    valid: str
    valid_gives: Any
    invalid: str
    #: What the invalid value gives: the default (with one warning), or the value as given when the
    #: settings cannot judge it (a path is checked where it is used; platform variables keep their meaning).
    invalid_gives: Any = DEFAULT
    #: For platform variables, "" and " " keep the platform's meaning.
    empty_gives: Any = DEFAULT
    blank_gives: Any = DEFAULT


def setting(field: str) -> Callable[[Mapping[str, str]], Any]:
    return lambda env: getattr(read_settings(env), field)


def windows_cache_dir(env: Mapping[str, str]) -> Path | None:
    return _settings._cache_dir(_settings._Reader(env), "win32")


def target_applies(env: Mapping[str, str]) -> bool:
    return current_environment(read_settings(env)).is_target


ROWS = [
    Row("TRT_PLUGIN_HUB_AUTOLOAD", setting("autoload"), True, "0", False, "maybe"),
    Row("TRT_PLUGIN_HUB_DISABLE", setting("disabled"), False, "Yes", True, "2"),
    Row("TRT_PLUGIN_HUB_DENY", setting("deny"), (), "Bad_Plugin, evil-*", ("bad-plugin", "evil-*"), " , "),
    Row("TRT_PLUGIN_HUB_ALLOW", setting("allow"), None, "good.plugin,", ("good-plugin",), ","),
    Row("TRT_PLUGIN_HUB_ALLOW_OPS", setting("allow_ops"), frozenset(), "aten::relu, acme::Add",
        frozenset({"aten::relu", "acme::Add"}), ",,"),
    Row("TRT_PLUGIN_HUB_STRICT", setting("strict"), False, "TRUE", True, "sure"),
    Row("TRT_PLUGIN_HUB_PREFER", setting("prefer"), {}, "acme::add=Other_Ops, b::c = d.e",
        {"acme::add": "other-ops", "b::c": "d-e"}, "acme::add"),
    Row("TRT_PLUGIN_HUB_PRERELEASES", setting("prereleases"), True, "off", False, "nightly"),
    Row("TRT_PLUGIN_HUB_LOCK", setting("lock"), None, " /srv/hub.lock ", "/srv/hub.lock", "/no/such.lock",
        invalid_gives="/no/such.lock"),  # an unreadable lock rejects every plugin (fail closed)
    Row("TRT_PLUGIN_HUB_NO_CACHE", setting("use_cache"), True, "on", False, "please"),
    Row("TRT_PLUGIN_HUB_CACHE_DIR", setting("cache_dir"), DEFAULT_CACHE, "/srv/cache", Path("/srv/cache"),
        "/proc/no-cache-here", invalid_gives=Path("/proc/no-cache-here")),  # unwritable: discovery runs uncached
    Row("TRT_PLUGIN_HUB_TARGET", target_applies, False, " sm_90, driver=580", True, "nonsense=1"),
    Row("TRT_PLUGIN_HUB_LOG", setting("log_level"), None, "debug", "DEBUG", "loud"),
    Row("TRT_PLUGIN_HUB_PTXAS", setting("ptxas"), None, "/opt/cuda/bin/ptxas", "/opt/cuda/bin/ptxas",
        "/no/ptxas", invalid_gives="/no/ptxas"),  # a path that is not a working ptxas is skipped by the search
    # Platform variables keep their own meaning: an empty CUDA_VISIBLE_DEVICES hides every GPU.
    Row("CUDA_VISIBLE_DEVICES", setting("visible_devices"), None, "1,0", "1,0", "bogus", invalid_gives="bogus",
        empty_gives="", blank_gives=" "),
    Row("XDG_CACHE_HOME", setting("cache_dir"), DEFAULT_CACHE, "/srv/xdg", Path("/srv/xdg/trt-plugin-hub"),
        "relative/dir"),  # the XDG spec: relative paths are ignored
    Row("LOCALAPPDATA", windows_cache_dir, DEFAULT_CACHE, "C:/Users/me/AppData/Local",
        Path("C:/Users/me/AppData/Local/trt-plugin-hub/Cache"), "AppData",
        invalid_gives=Path("AppData/trt-plugin-hub/Cache")),
    # no-color.org: present and not empty, whatever the value, turns colour off.
    Row("NO_COLOR", setting("no_color"), False, "1", True, "0", invalid_gives=True, empty_gives=False,
        blank_gives=True),
]
#: Variables whose invalid values are not the settings' to judge: no warning from them.
UNJUDGED = {"CUDA_VISIBLE_DEVICES", "XDG_CACHE_HOME", "LOCALAPPDATA", "NO_COLOR", "TRT_PLUGIN_HUB_LOCK", "TRT_PLUGIN_HUB_CACHE_DIR",
            "TRT_PLUGIN_HUB_PTXAS"}
CASES = ["unset", "empty", "blank", "valid", "invalid"]


def test_the_table_covers_every_variable():
    assert [row.name for row in ROWS] == list(ENV_VARS)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
def test_every_variable_under_the_one_rule(row: Row, case: str, caplog: pytest.LogCaptureFixture):
    value = {"unset": None, "empty": "", "blank": " ", "valid": row.valid, "invalid": row.invalid}[case]
    env = {} if value is None else {row.name: value}
    expected = {"unset": DEFAULT, "empty": row.empty_gives, "blank": row.blank_gives, "valid": row.valid_gives,
                "invalid": row.invalid_gives}[case]
    with caplog.at_level(logging.WARNING, logger="trt_plugin_hub"):
        assert row.read(env) == (row.default if expected is DEFAULT else expected)
    warned = case == "invalid" and row.name not in UNJUDGED
    messages = [r.getMessage() for r in caplog.records if r.name == "trt_plugin_hub"]
    assert len(messages) == (1 if warned else 0), messages
    assert all(m.startswith(f"trt-plugin-hub: ignoring {row.name}={value!r}: ") for m in messages)


def test_an_invalid_value_is_warned_once_per_process(caplog: pytest.LogCaptureFixture):
    env = {"TRT_PLUGIN_HUB_STRICT": "sure", "TRT_PLUGIN_HUB_LOG": "loud"}
    with caplog.at_level(logging.WARNING, logger="trt_plugin_hub"):
        for _ in range(3):
            settings = read_settings(env)
        autoload_enabled({"TRT_PLUGIN_HUB_AUTOLOAD": "maybe"})
        autoload_enabled({"TRT_PLUGIN_HUB_AUTOLOAD": "maybe"})
        read_settings({"TRT_PLUGIN_HUB_AUTOLOAD": "maybe"})
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 3, messages
    assert any("TRT_PLUGIN_HUB_STRICT='sure'" in m for m in messages)
    assert any("TRT_PLUGIN_HUB_LOG='loud'" in m and "DEBUG" in m for m in messages)
    assert any("TRT_PLUGIN_HUB_AUTOLOAD='maybe'" in m and "default (on)" in m for m in messages)
    assert len(settings.problems) == 2  # each read still knows what it ignored


def test_malformed_prefer_pairs_are_skipped_and_named(caplog: pytest.LogCaptureFixture):
    with caplog.at_level(logging.WARNING, logger="trt_plugin_hub"):
        settings = read_settings({"TRT_PLUGIN_HUB_PREFER": "acme::add=Acme_Ops, broken, =x, y::z="})
    assert settings.prefer == {"acme::add": "acme-ops"}
    (message,) = [r.getMessage() for r in caplog.records]
    assert "TRT_PLUGIN_HUB_PREFER=" in message and "'broken', '=x', 'y::z='" in message


FLAG_VALUES = [None, "", " ", "1", "0", "true", "False", "YES", "no", " on ", "OFF", "maybe", "2"]


@pytest.mark.parametrize("autoload", FLAG_VALUES)
@pytest.mark.parametrize("disable", FLAG_VALUES)
def test_the_autoload_hook_and_the_settings_agree_on_every_value(autoload: str | None, disable: str | None):
    env = {name: value for name, value in (("TRT_PLUGIN_HUB_AUTOLOAD", autoload), ("TRT_PLUGIN_HUB_DISABLE", disable))
           if value is not None}
    settings = read_settings(env)
    assert autoload_enabled(env) is (settings.autoload and not settings.disabled)


def test_empty_values_are_unset():
    # Each of these was read differently before the one rule: "" turned autoload off, refused
    # pre-releases and allowed no plugin at all.
    settings = read_settings({"TRT_PLUGIN_HUB_AUTOLOAD": "", "TRT_PLUGIN_HUB_PRERELEASES": "",
                              "TRT_PLUGIN_HUB_ALLOW": "", "TRT_PLUGIN_HUB_LOCK": " "})
    assert settings.autoload and settings.prereleases and settings.allow is None and settings.lock is None
    assert settings == read_settings({})


def test_settings_from_environment_with_normalised_names():
    settings = read_settings({
        "TRT_PLUGIN_HUB_DENY": "Bad_Plugin, evil-*",
        "TRT_PLUGIN_HUB_ALLOW": "good.plugin",
        "TRT_PLUGIN_HUB_STRICT": "1",
        "TRT_PLUGIN_HUB_PREFER": "acme::add=Other_Ops",
        "TRT_PLUGIN_HUB_AUTOLOAD": "0",
    })
    assert settings.deny == ("bad-plugin", "evil-*") and settings.allow == ("good-plugin",)
    assert settings.strict and not settings.autoload
    assert settings.prefer == {"acme::add": "other-ops"}
    assert settings.matches(settings.deny, ["evil_twin"]) == "evil-*"
    assert settings.matches(settings.allow, ["x", "Good_Plugin"]) == "good-plugin"


def test_default_settings_allow_everything():
    settings = read_settings({})
    assert settings.allow is None and settings.deny == () and settings.autoload and not settings.strict


def test_the_report_shows_the_same_settings_keys():
    assert set(read_settings({}).to_dict()) == {"autoload", "disabled", "deny", "allow", "strict", "prefer",
                                               "prereleases", "lock", "use_cache", "allow_ops"}


def test_cache_dir_follows_the_platform_conventions(tmp_path: Path):
    assert read_settings({"TRT_PLUGIN_HUB_CACHE_DIR": str(tmp_path)}).cache_dir == tmp_path
    assert read_settings({"TRT_PLUGIN_HUB_CACHE_DIR": "~/hub"}).cache_dir == Path.home() / "hub"
    assert read_settings({"XDG_CACHE_HOME": str(tmp_path)}).cache_dir == tmp_path / "trt-plugin-hub"
    windows = {"LOCALAPPDATA": str(tmp_path), "XDG_CACHE_HOME": "/srv/xdg"}
    assert windows_cache_dir(windows) == tmp_path / "trt-plugin-hub" / "Cache"
    assert _settings._cache_dir(_settings._Reader(windows), "linux") == Path("/srv/xdg/trt-plugin-hub")


def test_log_levels_are_the_ones_logging_knows():
    assert set(logging._nameToLevel) == _settings._LOG_LEVELS


def test_every_variable_the_package_names_is_in_env_vars():
    named = set()
    for path in PACKAGE.rglob("*.py"):
        named |= set(re.findall(r"\bTRT_PLUGIN_HUB_[A-Z_]*[A-Z]\b", path.read_text(encoding="utf-8")))
    assert named - set(ENV_VARS) == set()


def test_settings_built_by_hand_take_the_unset_defaults():
    settings = Settings()
    assert settings.autoload and settings.prereleases and settings.cache_dir is None and settings.problems == ()


NAMES = st.one_of(st.text(), st.from_regex(r"[A-Za-z0-9._-]{0,40}", fullmatch=True),
                  st.text(alphabet="-_.aAzZ\u0130\u212a\u00df ", max_size=20))


@given(NAMES)
@example("Acme__Ops.-x")
@example("\u0130stanbul_Ops")  # lower() changes the length
@example("---")
def test_canonical_name_is_packagings_canonicalize_name(name: str):
    # The hub keeps this equivalent so that deciding never imports packaging.utils (and packaging.tags).
    assert canonical_name(name) == canonicalize_name(name)
