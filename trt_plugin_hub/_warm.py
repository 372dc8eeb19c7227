"""The activation plan: what an earlier process decided, reused while nothing it depended on has changed.

Deciding costs the discovery, every manifest, the environment probe and the decisions, and
importing the modules that do them. A process that activated plugins leaves its plan in the
cache directory, next to the discovery cache (``plan-<environment>-<settings>.json``): the plain records
activation took (:mod:`trt_plugin_hub._activation.plan`) and everything the decisions depended
on. A later process activates from it - through the same activation code - when all of this is
unchanged:

* the discovery cache's key (:func:`trt_plugin_hub._cachefile.cache_key`): every ``sys.path``
  directory's mtime (installs, upgrades, uninstalls), the interpreter, the hub's version, the
  import finders;
* the hub's own code behind the decisions (the ``mtime_ns`` and size of each source file);
* the settings that shape the decisions (allow and deny lists, preferences, lock, target, visible
  GPUs...) - processes with other settings keep a plan of their own - and the lock file's identity;
* the versions of TensorRT, PyTorch, Torch-TensorRT and NumPy this process has imported, and the
  driver and GPUs - by the kernel module's description of them (``gpu_fingerprint``, about
  0.2 ms), else by NVML's answer (about 20 ms on a GPU host);
* each manifest file's identity ``(device, inode, size, mtime_ns, ctime_ns)``.

Anything else - a missing, foreign, corrupt or outdated file, a module not imported yet, a
manifest edited in place (its ``ctime`` changes) - means the full pipeline, which writes a new
plan. PTX files are not trusted by identity: activation reads the bytes it hands to TensorRT and
compares their sha256 with the manifest's at that moment, warm or not.

The report is not built on the warm path. The file has two lines: the plan, and what only a
report needs (every plugin's report as decided, and the environment), which is not even parsed
unless a report is asked for. The plan carries what the earlier process's activation ended in
(each op's status) and its summary line; when this activation ends the same way, that line is
logged and the report is built only if asked for (:func:`trt_plugin_hub.report`, ``load()``'s
return value, strict mode), from the second line and what this activation did. This module
imports no decision model: only the cache file's rules, the GPU probe and the plan's records.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._cachefile import cache_key, code_stamps, file_identity, read_private, settled
from ._version import __version__

if TYPE_CHECKING:
    from ._activation import PlannedPlugin
    from ._cachefile import CacheKey
    from ._decisions import PluginDecision
    from ._settings import Settings

__all__ = ["PLAN_CODE", "PLAN_SCHEMA", "PREFIX", "RUNTIME_MODULES", "WarmPlan", "gpu_holds", "load_plan", "outcome_of",
           "plan_path", "save_plan"]

log = logging.getLogger("trt_plugin_hub")

#: Bumped whenever the file's layout or the meaning of a field changes; older files are ignored.
PLAN_SCHEMA = 6
PREFIX = "plan-"
#: The modules whose versions the decisions read: the plan holds only while this process has
#: imported each of them, at the version it was decided for.
RUNTIME_MODULES = ("tensorrt", "torch", "torch_tensorrt", "numpy")
#: The hub's code behind a plan: discovery, manifests, PTX checks, environment, decisions,
#: activation records. An edited checkout (an editable install) is new code.
PLAN_CODE = (
    "_warm.py", "_settings.py", "_upstream.py", "_versions.py", "_lock.py", "_reasons.py", "_codes.py",
    "_launch/__init__.py", "_launch/checks.py",
    "_manifest/reader.py", "_manifest/model.py", "_manifest/ids.py", "_manifest/kinds.py", "_manifest/recipes.py",
    "_manifest/signature.py",
    "_discovery/scan.py", "_discovery/cache.py",
    "_environment/probe.py", "_environment/target.py", "_gpu.py", "_environment/model.py",
    "_environment/metadata.py",
    "_ptx/artifact.py", "_ptx/targets.py", "_ptx/text.py", "_ptx/memo.py",
    "_decisions/plugin.py", "_decisions/ops.py", "_decisions/conflicts.py", "_decisions/model.py",
    "_activation/plan.py", "_report.py",
)


class WarmPlan:
    """A plan that holds in this process: the plugins to activate, and how the earlier activation ended."""

    __slots__ = ("_report_part", "check_ms", "findings", "outcome", "owners", "plugins", "report_json", "summary")

    def __init__(self, plugins: list[PlannedPlugin], owners: dict[str, str], outcome: Any, summary: Any,
                 findings: bool, report_json: bytes, check_ms: float) -> None:
        #: The plugins the decisions made available, in the decisions' order.
        self.plugins = plugins
        #: Every declared op id -> the plugin that declares it (activation's context).
        self.owners = owners
        #: What the earlier activation ended in (:func:`outcome_of`).
        self.outcome = outcome
        #: Its summary line, ``[level, message]``, or ``None``.
        self.summary = summary
        #: Whether its report had findings (strict mode raises then).
        self.findings = findings
        #: The file's second line, unparsed: every plugin's report as decided, before activation
        #: (``PluginReport.to_dict``), and the environment decided for (``Environment.to_dict``).
        #: Read only when a report is asked for (:attr:`reports`, :attr:`environment`).
        self.report_json = report_json
        self._report_part: tuple[list[Any], dict[str, Any]] | None = None
        #: How long checking the plan took, in milliseconds (the report's ``discovery_ms``).
        self.check_ms = check_ms

    def _read_report_part(self) -> tuple[list[Any], dict[str, Any]]:
        if self._report_part is None:
            found = json.loads(self.report_json)
            reports, environment = found["reports"], found["environment"]
            if not isinstance(reports, list) or not isinstance(environment, dict):
                raise ValueError("the plan's reports are not a list, or its environment not an object")
            self._report_part = (reports, environment)
        return self._report_part

    @property
    def reports(self) -> list[Any]:
        """The reports as decided; raises ``ValueError``, ``KeyError`` or ``TypeError`` for a damaged file."""
        return self._read_report_part()[0]

    @property
    def environment(self) -> dict[str, Any]:
        """The environment decided for; raises as :attr:`reports` does."""
        return self._read_report_part()[1]


def _settings_state(settings: Settings) -> list[Any]:
    """The settings that shape decisions and activation (not ``autoload``, ``strict`` or logging), as JSON values."""
    state = [list(settings.deny), None if settings.allow is None else list(settings.allow),
             sorted(settings.prefer.items()), settings.prereleases, settings.lock, sorted(settings.allow_ops),
             None if settings.cache_dir is None else str(settings.cache_dir), settings.target, settings.visible_devices]
    return json.loads(json.dumps(state))  # type: ignore[no-any-return]


def _lock_identity(settings: Settings) -> list[int] | None:
    return list(file_identity(settings.lock) or ()) if settings.lock else None


def _versions() -> list[str | None] | None:
    """The versions of :data:`RUNTIME_MODULES` as imported here; ``None`` if one is not imported."""
    found: list[str | None] = []
    for name in RUNTIME_MODULES:
        module = sys.modules.get(name)
        if module is None:
            return None
        version = getattr(module, "__version__", None)
        found.append(str(version) if version else None)
    return found


def _gpu_fingerprint() -> str | None:
    from . import _gpu as gpu

    return gpu.gpu_fingerprint()


def gpu_holds(recorded: Any, recorded_fingerprint: Any, settings: Settings) -> bool:
    """Whether the driver and GPU are those the plan was decided for.

    By the kernel module's description when the plan has one and it is unchanged (about 0.2 ms);
    else by asking NVML again (about 20 ms on a GPU host) and comparing its answer.
    """
    if recorded_fingerprint is not None and recorded_fingerprint == _gpu_fingerprint():
        return True
    return bool(recorded == _gpu(settings))


def _gpu(settings: Settings) -> list[Any]:
    """What the GPU probe finds now: driver, CUDA driver version, compute capability, name."""
    from . import _gpu as gpu

    found = gpu.probe_gpu([], settings.visible_devices)
    return json.loads(json.dumps([found.driver, found.cuda, found.cc, found.name]))  # type: ignore[no-any-return]


def _path(settings: Settings) -> tuple[Path, CacheKey, list[Any]] | None:
    """This environment's plan file for these settings, the environment's key and the settings' state.

    Processes with other settings keep plans of their own: the file is named by that state.
    """
    if settings.disabled or not settings.use_cache or settings.cache_dir is None:
        return None
    import hashlib

    key = cache_key()
    state = _settings_state(settings)
    settings_id = hashlib.sha256(json.dumps(state).encode("utf-8")).hexdigest()[:12]
    return settings.cache_dir / f"{PREFIX}{key.identity}-{settings_id}.json", key, state


def plan_path(settings: Settings) -> Path | None:
    """Where this environment's plan for ``settings`` is (or would be); ``None`` where plans are off."""
    try:
        located = _path(settings)
    except Exception:  # noqa: BLE001 - e.g. the cwd was removed: nothing to key on
        return None
    return None if located is None else located[0]


def load_plan(settings: Settings) -> WarmPlan | None:
    """The plan an earlier process left for this environment, if everything it depends on is unchanged.

    Never raises: a missing, unreadable, foreign, corrupt or outdated plan is ``None``.
    """
    started = time.perf_counter()
    try:
        located = _path(settings)
        if located is None:
            return None
        path, key, state = located
        raw = read_private(path)
        head, _, report_json = (raw or b"").partition(b"\n")  # the report part is parsed only when asked for
        data = json.loads(head) if raw else None
        if not isinstance(data, dict) or data.get("schema") != PLAN_SCHEMA:
            return None
        checks = (
            ("state", lambda: list(key.state)),
            ("code", lambda: code_stamps(PLAN_CODE)),
            ("settings", lambda: state),
            ("lock", lambda: _lock_identity(settings)),
            ("versions", _versions),
        )
        for name, current in checks:
            if data.get(name) != current():
                log.debug("trt-plugin-hub: activation plan %s does not hold: %s changed", path, name)
                return None
        if not gpu_holds(data.get("gpu"), data.get("gpu_fingerprint"), settings):
            log.debug("trt-plugin-hub: activation plan %s does not hold: the driver or the GPU changed", path)
            return None
        for manifest, identity in data["manifests"]:
            if list(file_identity(manifest) or ()) != identity:
                log.debug("trt-plugin-hub: activation plan %s does not hold: %s changed", path, manifest)
                return None
        from ._activation import from_plain

        plugins = [from_plain(item) for item in data["plugins"]]
        owners = data["owners"]
        if not isinstance(owners, dict) or not all(isinstance(v, str) for v in owners.values()):
            return None
        return WarmPlan(plugins, owners, data["outcome"], data.get("summary"), data.get("findings") is True,
                        report_json, (time.perf_counter() - started) * 1000)
    except Exception as exc:  # noqa: BLE001 - any shape a damaged or foreign file may have: decide afresh
        log.debug("trt-plugin-hub: ignoring activation plan: %s", exc)
        return None


def save_plan(settings: Settings, decisions: Sequence[PluginDecision], env_versions: Sequence[str | None],
              plugins: Sequence[PlannedPlugin], outcome: Any, summary: Any, findings: bool,
              reports: Sequence[dict[str, Any]], environment: dict[str, Any]) -> bool:
    """Leave this process's plan for the next one; whether it was written. Never raises.

    ``reports`` are the decided plugins' reports before activation and ``environment`` the
    environment they were decided for, in their JSON forms: a later process builds its report
    from them and what its own activation did, without deciding.

    Written only when a later process could check everything the decisions depended on: every
    candidate has a manifest (a package found without one is looked for again on every run), the
    versions the decisions used are those this process has imported, and nothing in the key
    changed in the last two seconds.
    """
    from ._activation import to_plain
    from ._atomic import write_atomic

    try:
        located = _path(settings)
        if located is None:
            return False
        path, key, state = located
        now = time.time_ns()
        why = _unplannable(decisions, env_versions, key, settings, now)
        if why is not None:
            log.debug("trt-plugin-hub: no activation plan for the next process: %s", why)
            return False
        manifests = [[str(d.candidate.manifest_path), list(d.candidate.manifest_key or ())] for d in decisions]
        owners = {op.id: d.candidate.name for d in decisions if d.candidate.manifest for op in d.candidate.manifest.ops}
        payload = {"schema": PLAN_SCHEMA, "hub": __version__, "state": list(key.state), "code": code_stamps(PLAN_CODE),
                   "settings": state, "lock": _lock_identity(settings),
                   "versions": list(env_versions), "gpu": _gpu(settings), "gpu_fingerprint": _gpu_fingerprint(),
                   "manifests": manifests, "owners": owners, "plugins": [to_plain(p) for p in plugins],
                   "outcome": outcome, "summary": summary, "findings": findings}
        # Two lines: the plan, then what only a report needs, which an activation without one
        # never parses (JSON text holds no raw newline).
        data = b"\n".join(json.dumps(part, separators=(",", ":")).encode("utf-8")
                           for part in (payload, {"reports": list(reports), "environment": environment}))
        write_atomic(path, data, mode=0o600, dir_mode=0o700)
        from ._discovery.cache import prune

        prune(settings.cache_dir or path.parent, PREFIX)
    except Exception as exc:  # noqa: BLE001 - the plan is an optimisation: never fail a load for it
        log.debug("trt-plugin-hub: not writing the activation plan: %s", exc)
        return False
    return True


def _unplannable(decisions: Sequence[PluginDecision], env_versions: Sequence[str | None], key: CacheKey,
                 settings: Settings, now: int) -> str | None:
    """Why a later process could not check what these decisions depended on; ``None`` when it could."""
    if not key.settled(now):
        return "a sys.path directory changed in the last two seconds"
    versions = _versions()
    if versions != list(env_versions):
        return f"the versions decided for ({env_versions}) are not those imported ({versions})"
    for decision in decisions:
        candidate = decision.candidate
        if candidate.manifest_path is None:
            return f"{candidate.name} has no manifest (looked for again on every run)"
        identity = file_identity(candidate.manifest_path)
        if identity is None or identity != candidate.manifest_key:
            return f"{candidate.manifest_path} changed since it was read"
        if not settled(identity, now):
            return f"{candidate.manifest_path} changed in the last two seconds"
    if settings.lock:
        identity = file_identity(settings.lock)
        if identity is None or not settled(identity, now):
            return f"the lock file {settings.lock} is missing or changed in the last two seconds"
    return None


def outcome_of(activations: Sequence[Any]) -> list[Any]:
    """How an activation ended, comparably across processes: per plugin, each op's status and the plugin's codes.

    ``activations`` holds, per planned plugin, its ``PluginActivation`` or ``None`` (the hub
    failed while activating it).
    """
    result: list[Any] = []
    for activation in activations:
        if activation is None:
            result.append(None)
            continue
        result.append([[None if op is None else str(op.status) for op in activation.ops],
                       [reason.code for reason in activation.reasons]])
    return result
