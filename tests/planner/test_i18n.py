"""English and French: the translation table is complete, and locale formatting."""

from __future__ import annotations

import ast
import datetime as dt
import warnings
from pathlib import Path

import pytest

from planner.i18n import (
    NARROW_NBSP,
    NBSP,
    fmt_date,
    fmt_money,
    fmt_month,
    fmt_number,
    fmt_percent,
    get_language,
    normalise_language,
    placeholders,
    set_language,
    t,
    translations,
    use_language,
)

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("planner", "ui", "pages", "app.py")
MARKERS = ("t", "N_")


def source_files() -> list[Path]:
    files: list[Path] = []
    for name in SCANNED:
        path = ROOT / name
        files.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return [f for f in files if f.exists()]


def marked_strings() -> dict[str, str]:
    """Every literal first argument of t(...) / N_(...) in the code -> where it was found."""
    found: dict[str, str] = {}
    for path in source_files():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            first = node.args[0]
            if name in MARKERS and isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.setdefault(first.value, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_every_marked_string_has_a_french_entry() -> None:
    french = translations("fr")
    missing = {text: where for text, where in marked_strings().items() if text not in french}
    assert not missing, "no French for:\n" + "\n".join(
        f"  {where}: {text!r}" for text, where in sorted(missing.items(), key=lambda i: i[1])
    )


def test_french_entries_keep_the_placeholders() -> None:
    wrong = {
        source: target
        for source, target in translations("fr").items()
        if placeholders(source) != placeholders(target) or not target.strip()
    }
    assert not wrong, wrong


def test_stale_entries_are_reported() -> None:
    stale = sorted(set(translations("fr")) - set(marked_strings()))
    if stale:
        warnings.warn(f"{len(stale)} French entries no code uses: {stale[:10]}", stacklevel=1)


def test_t_falls_back_to_english_and_fills_placeholders() -> None:
    with use_language("fr"):
        assert t("no such string in the table {n}", n=3) == "no such string in the table 3"
        assert t("{count} error(s); nothing was changed.", count=2) == (
            "2 erreur(s) ; rien n’a été modifié."
        )
    with use_language("en"):
        assert t("{count} error(s); nothing was changed.", count=2) == (
            "2 error(s); nothing was changed."
        )


def test_language_from_environment_and_context(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HAVEN_LANG", "fr_CA.UTF-8")
    set_language(None)
    assert get_language() == "fr"
    with use_language("en"):
        assert get_language() == "en"
    assert get_language() == "fr"
    monkeypatch.setenv("HAVEN_LANG", "de")
    assert get_language() == "en"
    assert normalise_language("FR-ca") == "fr"


def test_numbers_in_both_languages() -> None:
    assert fmt_number(1234.5, 1, language="en") == "1,234.5"
    assert fmt_number(1234.5, 1, language="fr") == f"1{NARROW_NBSP}234,5"
    assert fmt_number(-1234567, language="fr") == f"-1{NARROW_NBSP}234{NARROW_NBSP}567"
    assert fmt_number(1234.5, 1, language="fr", latin1=True) == f"1{NBSP}234,5"
    assert fmt_percent(0.125, language="en") == "12.5%"
    assert fmt_percent(0.125, language="fr") == f"12,5{NBSP}%"


def test_money_in_both_languages() -> None:
    assert fmt_money(1_234_567, language="en") == "$1.2M"
    assert fmt_money(35_000, language="en") == "$35K"
    assert fmt_money(900, language="en") == "$900"
    assert fmt_money(1_234_567, "CAD", language="en") == "CAD 1.2M"
    assert fmt_money(1_234_567, language="fr") == f"1,2{NBSP}M$"
    assert fmt_money(35_000, language="fr") == f"35{NBSP}k$"
    assert fmt_money(900, language="fr") == f"900{NBSP}$"
    assert fmt_money(1_234_567, "CAD", language="fr") == f"1,2{NBSP}M{NBSP}CAD"


def test_dates_in_both_languages() -> None:
    assert fmt_date(dt.date(2026, 11, 25), language="fr") == "25 novembre 2026"
    assert fmt_date("2026-11-01", language="fr") == "1er novembre 2026"
    assert fmt_date(dt.date(2026, 11, 25), language="en") == "November 25, 2026"
    assert fmt_month("2027-08", language="fr") == "août 2027"
    assert fmt_month(dt.date(2027, 3, 1), language="en") == "March 2027"


def test_cli_speaks_french_with_lang_or_haven_lang(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from planner.cli import main

    missing = tmp_path / "nowhere"
    assert main(["--lang", "fr", "validate", str(missing)]) == 1
    assert "1 erreur(s) ; rien n’a été importé." in capsys.readouterr().err
    assert main(["validate", str(missing)]) == 1
    assert "1 error(s); nothing imported." in capsys.readouterr().err
    monkeypatch.setenv("HAVEN_LANG", "fr")
    with pytest.raises(SystemExit):
        main(["plan", "--help"])
    out = capsys.readouterr().out
    assert out.startswith("utilisation : python -m planner plan")
    assert "le paquet de données de la ville" in out
    assert get_language() == "fr"  # from the environment; main left no language set behind


def test_validation_messages_in_french(tmp_path: Path) -> None:
    from planner.package import validate_package
    from tests.package_factory import set_cell, write_tiny_package

    path = write_tiny_package(tmp_path / "city")
    set_cell(path, "capacity.csv", 3, "capacity", "-3")
    set_cell(path, "funders.csv", 2, "budget", "lots")
    english = [str(p) for p in validate_package(path)]
    with use_language("fr"):
        french = [str(p) for p in validate_package(path)]
    assert "capacity.csv:3: capacity: -3 is below 0" in english
    assert "capacity.csv:3: capacity: -3 est inférieur à 0" in french
    assert "funders.csv:2: budget: 'lots' n’est pas un nombre" in french
    assert len(french) == len(english)
