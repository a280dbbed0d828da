"""The one way down, read from the imports: pages/app -> ui -> service <- cli, api,
service -> models -> planner (the domain).

- planner/ (the domain) imports none of the others, and never Streamlit;
- models/ (storage) imports the domain only;
- service/ (the one door) imports models and the domain, never a client;
- cli/ and ui/ are clients: they reach storage only through service/;
- api/ (the REST API) is a client too: service/ and the domain's types only, never
  models/, ui/, pages/, cli/, Streamlit or the database's libraries;
- reports/ (report builders and the words of a plan) is an edge over the domain, used by
  ui/ and cli/: it imports the domain only;
- pages/ and app.py draw: they call ui/ and service/, never models/.

`planner/__main__.py` is the launcher of `python -m planner` (it hands over to `cli.main`):
an entry point like app.py, imported by nobody, so it is not part of the domain's layer.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("planner", "models", "service", "cli", "ui", "pages", "reports", "api")
ENTRY_POINTS = {"planner/__main__.py"}

MAY_NOT_IMPORT: dict[str, set[str]] = {
    "planner": {"models", "service", "cli", "ui", "pages", "streamlit", "reports", "api"},
    "models": {"service", "cli", "ui", "pages", "streamlit", "api"},
    "service": {"cli", "ui", "pages", "streamlit", "reports", "api"},
    "cli": {"models", "ui", "pages", "streamlit"},
    "reports": {"models", "service", "cli", "ui", "pages", "streamlit", "sqlmodel", "sqlalchemy"},
    "ui": {"models", "cli", "pages", "sqlmodel", "sqlalchemy", "api"},
    "pages": {"models", "cli", "sqlmodel", "sqlalchemy", "api"},
    "app.py": {"models", "cli", "sqlmodel", "sqlalchemy", "api"},
    "api": {"models", "cli", "ui", "pages", "streamlit", "sqlmodel", "sqlalchemy", "reports"},
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def files_of(layer: str) -> list[Path]:
    path = ROOT / layer
    files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return [f for f in files if str(f.relative_to(ROOT)) not in ENTRY_POINTS]


@pytest.mark.parametrize("layer", sorted(MAY_NOT_IMPORT))
def test_each_layer_imports_only_downwards(layer: str) -> None:
    files = files_of(layer)
    assert files, f"no Python files under {layer}"
    offenders = {
        str(f.relative_to(ROOT)): sorted(imported_modules(f) & MAY_NOT_IMPORT[layer]) for f in files
    }
    assert {name: bad for name, bad in offenders.items() if bad} == {}


def test_the_entry_point_only_launches_the_cli() -> None:
    assert imported_modules(ROOT / "planner/__main__.py") == {"cli"}


def test_the_check_sees_an_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from streamlit import cache_data\n", encoding="utf-8")
    assert "streamlit" in imported_modules(sample)


def test_every_top_level_package_has_a_layer() -> None:
    packages = {p.name for p in ROOT.iterdir() if (p / "__init__.py").is_file()}
    assert packages - {"tests"} <= set(LAYERS)
