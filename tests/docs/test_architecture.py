"""docs/architecture.rst names every private top-level module and subpackage the package has."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
PACKAGE = ROOT / "trt_plugin_hub"


def private_top_level() -> list[str]:
    """``_name`` for each private module of the package's top level, ``_name/`` for each private subpackage."""
    names = []
    for path in PACKAGE.iterdir():
        if not path.name.startswith("_") or path.name.startswith("__"):
            continue
        if path.is_file() and path.suffix == ".py":
            names.append(path.stem)
        elif path.is_dir() and (path / "__init__.py").is_file():
            names.append(f"{path.name}/")
    return sorted(names)


def test_architecture_names_every_private_module_and_subpackage():
    text = (ROOT / "docs" / "architecture.rst").read_text(encoding="utf-8")
    names = private_top_level()
    assert {"_adapter/", "_upstream", "_activation/"} <= set(names)  # the scan found the package
    missing = [name for name in names if f"``{name}``" not in text]
    assert not missing, f"docs/architecture.rst does not name {missing}: say what each owns"
