"""English and French: the translation table is complete, and locale formatting."""

from __future__ import annotations

import ast
import datetime as dt
import re
import warnings
from pathlib import Path

import pytest
from sqlmodel import Session

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
SCANNED = ("planner", "models", "service", "cli", "ui", "pages", "reports", "api", "app.py")
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
    assert fmt_money(1_234_567, "USD", compact=True, language="en") == "$1.2M"
    assert fmt_money(35_000, "USD", compact=True, language="en") == "$35K"
    assert fmt_money(900, "USD", compact=True, language="en") == "$900"
    assert fmt_money(1_234_567, "CAD", compact=True, language="en") == "CA$1.2M"
    assert fmt_money(1_234_567, "USD", compact=True, language="fr") == f"1,2{NBSP}M$"
    assert fmt_money(35_000, "USD", compact=True, language="fr") == f"35{NBSP}k$"
    assert fmt_money(900, "USD", compact=True, language="fr") == f"900{NBSP}$"
    assert fmt_money(1_234_567, "CHF", compact=True, language="fr") == f"1,2{NBSP}M{NBSP}CHF"


def test_dates_in_both_languages() -> None:
    assert fmt_date(dt.date(2026, 11, 25), language="fr") == "25 novembre 2026"
    assert fmt_date("2026-11-01", language="fr") == "1er novembre 2026"
    assert fmt_date(dt.date(2026, 11, 25), language="en") == "November 25, 2026"
    assert fmt_month("2027-08", language="fr") == "août 2027"
    assert fmt_month(dt.date(2027, 3, 1), language="en") == "March 2027"


def test_cli_speaks_french_with_lang_or_haven_lang(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from cli.main import main

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


# --- No display string or message bypasses the table -------------------------------------

STREAMLIT_SCANNED = ("ui", "pages", "app.py")
DISPLAY_CALLS = frozenset(
    {
        "write",
        "markdown",
        "caption",
        "text",
        "info",
        "warning",
        "error",
        "success",
        "toast",
        "header",
        "subheader",
        "title",
        "button",
        "link_button",
        "page_link",
        "download_button",
        "form_submit_button",
        "metric",
        "selectbox",
        "multiselect",
        "radio",
        "checkbox",
        "toggle",
        "slider",
        "select_slider",
        "number_input",
        "text_input",
        "text_area",
        "date_input",
        "file_uploader",
        "spinner",
        "tabs",
        "expander",
        "popover",
    }
)
"""Streamlit calls whose first argument (or `label=`) is shown to the user."""
SHOWN_KEYWORDS = frozenset({"label", "help", "placeholder", "caption"})
LETTER = re.compile(r"[^\W\d_]")

DISPLAY_ALLOWED = {
    ("app.py", "Haven"): "the product's name (the browser tab), the same in both languages",
    ("ui/language.py", "Language / Langue"): "the switch's label must be readable in both "
    "languages, whichever is on",
}
"""(file, literal) -> why it is shown as written."""


def literal_text(node: ast.expr) -> str | None:
    """The text of a literal, f-string (its literal parts), list or tuple of them; else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            part.value
            for part in node.values
            if isinstance(part, ast.Constant) and isinstance(part.value, str)
        )
    if isinstance(node, ast.List | ast.Tuple):
        texts = [literal_text(element) for element in node.elts]
        return " ".join(text for text in texts if text) or None
    if isinstance(node, ast.BinOp):
        return (literal_text(node.left) or "") + (literal_text(node.right) or "") or None
    return None


def files_under(names: tuple[str, ...]) -> list[Path]:
    files: list[Path] = []
    for name in names:
        path = ROOT / name
        files.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return [f for f in files if f.exists()]


def display_literals(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, text) of every letter-bearing literal or f-string handed straight to a
    Streamlit display call (first argument, `label=`, `help=`...) or to a `*_title=`."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        shown: list[ast.expr] = []
        if isinstance(node.func, ast.Attribute) and node.func.attr in DISPLAY_CALLS:
            shown += node.args[:1]
            shown += [k.value for k in node.keywords if k.arg in SHOWN_KEYWORDS]
        shown += [k.value for k in node.keywords if k.arg and k.arg.endswith("_title")]
        for argument in shown:
            text = literal_text(argument)
            if text and LETTER.search(text):
                found.append((node.lineno, text))
        found += [(node.lineno, text) for text in fixed_spinners(node)]
    return found


def fixed_spinners(node: ast.Call) -> list[str]:
    """The text of `show_spinner=` when it is text (a literal, or `t(...)`, which in a
    `st.cache_*` decorator runs once at import, in one language); True/False pass."""
    texts = []
    for keyword in node.keywords:
        if keyword.arg != "show_spinner":
            continue
        value = keyword.value
        if isinstance(value, ast.Call) and value.args:
            value = value.args[0]  # t("...") or any call building the text
        text = literal_text(value)
        if text is not None:
            texts.append(text)
    return texts


def untranslated_display_strings() -> dict[tuple[str, str], str]:
    """(file, literal) -> where, over ui/, pages/ and app.py."""
    found: dict[tuple[str, str], str] = {}
    for path in files_under(STREAMLIT_SCANNED):
        relative = str(path.relative_to(ROOT))
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=relative)
        for line, text in display_literals(tree):
            found.setdefault((relative, text), f"{relative}:{line}")
    return found


def test_streamlit_shows_no_string_that_skips_the_table() -> None:
    found = untranslated_display_strings()
    hits = {key: where for key, where in found.items() if key not in DISPLAY_ALLOWED}
    assert not hits, "shown without t(...):\n" + "\n".join(
        f"  {where}: {text!r}" for (_, text), where in sorted(hits.items(), key=lambda i: i[1])
    )
    stale = set(DISPLAY_ALLOWED) - set(found)
    assert not stale, f"allowed but no longer in the code: {stale}"


def test_the_display_scan_catches_literals_and_f_strings() -> None:
    tree = ast.parse(
        'st.write("Hello")\nst.info(f"{n} rows")\nst.metric(t("Coverage"), 3)\n'
        'st.caption("—")\ncol.button(label="Go")\nchart(x, color_title="Funder")\n'
        'st.sidebar.title(t("Haven"))\nst.tabs(["Map", t("Table")])\nst.form("key")\n'
        '@st.cache_data(show_spinner="Packing…")\ndef f(): pass\n'
        '@st.cache_resource(show_spinner=t("Loading…"))\ndef g(): pass\n'
        "@st.cache_data(show_spinner=False)\ndef h(): pass\n"
    )
    assert sorted(display_literals(tree)) == [
        (1, "Hello"),
        (2, " rows"),
        (5, "Go"),
        (6, "Funder"),
        (8, "Map"),
        (10, "Packing…"),
        (12, "Loading…"),
    ]


RAISED = frozenset(
    {
        "ValueError",
        "InvalidInput",
        "AccessDenied",
        "WeakPassword",
        "StorageError",
        "InvalidRecord",
        "ImportFailed",
        "UnknownUser",
        "UserExists",
        "UnknownAgency",
        "UnknownService",
        "UnknownScenario",
        "ScenarioExists",
    }
)
"""Exceptions whose message reaches a user (the CLI prints it, the app shows it)."""
MESSAGE_ALLOWED = {
    ("planner/baselines.py", "unknown baseline "): "a programming error: the names are fixed",
    ("planner/optimise/solvers.py", "unknown solver : use one of "): (
        "a programming error: Scenario.solver only admits highs and cbc"
    ),
    (
        "planner/optimise/highs.py",
        "no HiGHS model is kept on this model: solve it with HiGHS first",
    ): ("a programming error: only code that just ran HiGHS on the model keeps it"),
    ("reports/content.py", "audience:  is not one of "): (
        "a programming error: the CLI and the app offer only the known audiences"
    ),
    ("reports/build.py", "fmt:  is not one of "): (
        "a programming error: the CLI and the app offer only pdf, html and xlsx"
    ),
    ("reports/build.py", "package: a report of a Plan needs the package it was made from"): (
        "a programming error"
    ),
    ("models/tables.py", " has no id yet: add and flush it first"): "a programming error",
    ("models/scenarios.py", "scenario_id:  is not a saved scenario of "): (
        "a programming error: a plan run is saved with the id the app or CLI just read"
    ),
    ("models/scenarios.py", "wall_time_s:  is not a duration in seconds"): (
        "a programming error: the solver's timing, never typed by a user"
    ),
    ("models/scenarios.py", ": must be a mapping of names to values, not "): (
        "a programming error: parameters come from Scenario.to_dict"
    ),
    ("models/scenarios.py", ": cannot be stored as JSON ()"): (
        "a programming error: parameters come from Scenario.to_dict"
    ),
}
"""(file, literal parts) -> why the message stays in English."""


def untranslated_messages() -> dict[tuple[str, str], str]:
    """(file, literal parts) -> where, for `raise ValueError/InvalidInput/...("...")`,
    `super().__init__("...")` (the errors of models/errors.py) and `Problem(..., message="...")`
    in planner/ and models/ with a literal or f-string message."""
    found: dict[tuple[str, str], str] = {}
    for path in files_under(("planner", "models", "service", "cli", "reports")):
        relative = str(path.relative_to(ROOT))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=relative)):
            messages: list[ast.expr] = []
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                func = node.exc.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                if name in RAISED:
                    messages += node.exc.args[:1]
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "__init__"
                and isinstance(node.func.value, ast.Call)
                and getattr(node.func.value.func, "id", "") == "super"
            ):
                messages += node.args[:1]
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Problem":
                messages += [k.value for k in node.keywords if k.arg == "message"]
            for message in messages:
                text = literal_text(message)
                if text and re.search(r"[A-Za-z]{2}", text):
                    found.setdefault((relative, text), f"{relative}:{node.lineno}")
    return found


def test_planner_raises_no_message_that_skips_the_table() -> None:
    found = untranslated_messages()
    known = set(MESSAGE_ALLOWED)
    hits = {key: where for key, where in found.items() if key not in known}
    assert not hits, "raised without t(...):\n" + "\n".join(
        f"  {where}: {text!r}" for (_, text), where in sorted(hits.items(), key=lambda i: i[1])
    )
    gone = known - set(found)
    assert not gone, f"listed but no longer in the code (take them off the list): {gone}"


# --- The planner's messages in French -----------------------------------------------------


def test_infeasibility_explained_in_french() -> None:
    from planner.optimiser import SolveOptions, solve
    from planner.scenario import Scenario
    from reports.words import NameBook, infeasible_reasons, infeasible_summary
    from tests.planner.optimiser_city import hand_city

    far = Scenario(name="far", equity_floor=0.5, equity_mode="hard", radius_km={"shelter": 5.0})
    short = Scenario(name="short", equity_floor=0.5, equity_mode="hard", budget=20000)
    out_of_reach = solve(hand_city(), far, options=SolveOptions(mip_gap=1e-9))
    no_money = solve(hand_city(), short, options=SolveOptions(mip_gap=1e-9))
    assert out_of_reach.status == "infeasible"  # the code stays English
    book = NameBook.from_package(hand_city(), confidential_places=True)
    with use_language("fr"):
        assert infeasible_reasons(out_of_reach.findings, book) == [
            f"le secteur Middle ne peut pas atteindre une couverture de 50{NBSP}% pour shelter : "
            "aucun organisme à moins de 5 km ne l’offre"
        ]
        summary = infeasible_summary(out_of_reach.findings, book)
        assert summary.startswith("le secteur Middle")
        assert "Pour corriger : abaisser le plancher, élargir le rayon" in summary
        money = infeasible_summary(no_money.findings, book)
    assert f"6{NARROW_NBSP}000{NBSP}$ de plus" in money
    assert " ; " in money  # French spacing


def test_binding_limits_and_budget_value_in_french() -> None:
    from planner.optimiser import SolveOptions, solve
    from planner.scenario import Scenario
    from reports.words import NameBook, budget_value, limit_sections, status_line
    from tests.planner.optimiser_city import hand_city

    scenario = Scenario(name="floor", equity_floor=0.3)
    plan = solve(hand_city(), scenario, options=SolveOptions(mip_gap=1e-9))
    assert plan.status == "optimal"
    book = NameBook.from_package(hand_city(), confidential_places=True)
    with use_language("fr"):
        assert status_line(plan.status, plan.gap) == "optimal"
        sentence = budget_value(plan.findings, book)
        lines = [line for s in limit_sections(plan.findings, book) for line in s.lines]
    assert "unités pondérées de demande non satisfaite" in sentence, sentence
    assert sentence.startswith(f"100{NBSP}$ de plus")
    assert budget_value(plan.findings, book).startswith("one more $100 removes")
    assert f"Le budget total de 30{NARROW_NBSP}000{NBSP}$ est entièrement dépensé" in lines
    assert f"Middle est maintenu au plancher de 30{NBSP}% pour shelter" in lines
    assert any("au-delà du rayon de 12 km" in line and ",0 km" in line for line in lines)


def test_scenario_validation_in_french(tmp_path: Path) -> None:
    from planner.problems import InvalidInput
    from planner.scenario import Scenario
    from tests.package_factory import tiny_package

    with use_language("fr"), pytest.raises(InvalidInput) as caught:
        Scenario.from_dict({"name": "x", "budjet": 3, "equity_floor": 2, "weights": {"a": 0}})
    text = str(caught.value)
    assert "budjet: n’est pas une clé de scénario" in text
    assert "equity_floor: doit être inférieur ou égal à 1" in text
    assert "le poids de 'a' doit être un nombre fini > 0" in text
    with use_language("fr"), pytest.raises(InvalidInput, match="fichier introuvable"):
        Scenario.from_file(tmp_path / "missing.json")
    ghost = Scenario(name="x", weights={"dentist": 2.0})
    with use_language("fr"):
        assert ghost.validate_for(tiny_package()) == [
            "weights: 'dentist' n’est pas un service de cette ville"
        ]
    assert ghost.validate_for(tiny_package()) == [
        "weights: 'dentist' is not a service of this city"
    ]


def test_problem_locations_in_french() -> None:
    from planner.problems import Problem

    warning = Problem(
        "districts.geojson", feature=3, column="name", message="x", severity="warning"
    )
    assert str(warning) == "districts.geojson: feature 3: name: warning: x"
    with use_language("fr"):
        assert str(warning) == "districts.geojson: entité 3: name: avertissement : x"


def test_hsds_mapping_errors_in_french(tmp_path: Path) -> None:
    from planner.hsds import read_mapping
    from planner.problems import InvalidInput

    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("services: []\nextra: 1\nagency_kinds: {default: castle}\n")
    with use_language("fr"), pytest.raises(InvalidInput) as caught:
        read_mapping(mapping)
    messages = [p.message for p in caught.value.problems]
    assert "doit être une liste non vide" in messages
    assert any(m.startswith("clé inconnue (clés connues : services") for m in messages)
    assert any(m.startswith("'castle' ne fait pas partie de :") for m in messages)


def test_demand_hidden_and_forecast_messages_in_french(tmp_path: Path) -> None:
    import pandas as pd

    from planner.demand import demand_note
    from planner.forecast import forecast
    from planner.hidden import read_list_counts
    from planner.problems import InvalidInput
    from planner.scenario import Scenario
    from tests.package_factory import tiny_package

    with use_language("fr"):
        note = demand_note(tiny_package(), Scenario(name="x"))
    assert note.startswith("la demande est ")
    counts = tmp_path / "lists.csv"
    counts.write_text("A,B,count\n1,0,4\n0,2,3\n")
    with use_language("fr"), pytest.raises(InvalidInput, match="2 n’est ni 0 ni 1"):
        read_list_counts(counts)
    history = pd.DataFrame({"series_id": ["a"], "period": ["2026-01"], "y": [1.0]})
    with use_language("fr"), pytest.raises(ValueError, match="horizon : 0 est inférieur à 1"):
        forecast(history, 0, (0.5,), "M")


def test_messages_of_the_pending_files_in_french(tmp_path: Path) -> None:
    from planner.compare import compare_plans
    from planner.disclosure import resolve_k
    from planner.problems import InvalidInput
    from planner.sweep import parse_steps
    from reports.plan_dir import load_plan_dir
    from tests.package_factory import tiny_package

    with use_language("fr"):
        with pytest.raises(InvalidInput, match="n’est pas un dossier écrit par `plan`"):
            load_plan_dir(tmp_path / "nowhere")
        (tmp_path / "plan").mkdir()
        with pytest.raises(InvalidInput, match=r"est absent \(écrivez le plan avec"):
            load_plan_dir(tmp_path / "plan")
        with pytest.raises(InvalidInput) as caught:
            parse_steps("a:b", name="--budget")
        assert str(caught.value) == (
            "ligne de commande: --budget: 'a:b' : utilisez début:fin:nombre ou a,b,c"
        )
        with pytest.raises(ValueError, match="k : 0 doit être au moins 1"):
            resolve_k(0)
        with pytest.raises(ValueError, match="aucun plan à comparer"):
            compare_plans({}, tiny_package())
    with pytest.raises(ValueError, match="no plans to compare"):
        compare_plans({}, tiny_package())


def test_the_report_in_french_leaves_no_known_string_in_english() -> None:
    import html as html_module

    from planner.optimiser import SolveOptions, solve
    from planner.scenario import Scenario
    from reports import build_report
    from tests.package_factory import tiny_package

    package = tiny_package()
    with use_language("fr"):
        plan = solve(package, Scenario(name="x"), options=SolveOptions(mip_gap=1e-9))
        page = build_report(plan, fmt="html", audience="funder", package=package).decode()
    page = re.sub(r"<(style|script)\b.*?</\1>", "", page, flags=re.S)
    page = re.sub(r"<img[^>]*>", "", page)
    texts = {html_module.unescape(s).strip() for s in re.split(r"<[^>]+>", page)}
    french = translations("fr")
    english = sorted(s for s in texts if s in french and french[s] != s)
    assert english == []
    assert "Hypothèses" in texts and "Mises en garde" in texts


def test_report_charts_number_axes_in_the_language(monkeypatch: pytest.MonkeyPatch) -> None:
    import altair as alt
    import pandas as pd
    import vl_convert

    from reports.charts import render_png

    calls: list[dict[str, object]] = []
    monkeypatch.setattr(
        vl_convert, "vegalite_to_png", lambda spec, **kw: calls.append(kw) or b"png"
    )
    chart = alt.Chart(pd.DataFrame({"v": [1234.5]})).mark_bar().encode(x="v:Q")
    with use_language("fr"):
        render_png(chart)
    with use_language("en"):
        render_png(chart)
    assert calls[0]["format_locale"] == {
        "decimal": ",",
        "thousands": "\u00a0",
        "grouping": [3],
        "currency": ["", "\u00a0$"],
        "percent": "\u00a0%",
    }
    time_locale = calls[0]["time_format_locale"]
    assert isinstance(time_locale, dict) and time_locale["months"][2] == "mars"
    assert "format_locale" not in calls[1]


def test_report_charts_render_with_the_shared_french_locale() -> None:
    import altair as alt
    import pandas as pd

    from reports.charts import render_png

    chart = alt.Chart(pd.DataFrame({"v": [1234.5]})).mark_bar().encode(x="v:Q")
    with use_language("fr"):
        png = render_png(chart, scale=1.0)
    assert png.startswith(b"\x89PNG")


# --- Access, passwords and storage: refusals in French -------------------------------------


def test_every_refusal_of_access_names_a_marked_action() -> None:
    """`require(actor, action, what)` translates `what`: a bare literal would stay English."""
    tree = ast.parse((ROOT / "service/access.py").read_text(encoding="utf-8"))
    bare = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", "") == "require"
        and len(node.args) == 3
        and isinstance(node.args[2], ast.Constant)
    ]
    assert bare == [], f"require(...) with an unmarked literal at lines {bare}: use N_(...)"


def test_access_refusals_in_french(access_session: Session) -> None:
    from service import access
    from tests.service.access_city import ACTORS, CITY, OTHER_CITY

    with use_language("fr"), pytest.raises(access.AccessDenied) as caught:
        access.list_users_as(ACTORS["funder"], access_session)
    assert str(caught.value) == "'fay' (bailleur de fonds) ne peut pas gérer les utilisateurs"
    with use_language("fr"), pytest.raises(access.AccessDenied) as caught:
        access.read_package_for(ACTORS["partner"], access_session, OTHER_CITY)
    assert "(partenaire) ne peut voir que la ville" in str(caught.value)
    with use_language("fr"), pytest.raises(access.AccessDenied) as caught:
        access.require(None, access.Action.IMPORT_DATA, "import data")
    assert str(caught.value) == "connectez-vous pour importer des données"
    with use_language("fr"), pytest.raises(access.AccessDenied, match="son propre organisme"):
        access.update_capacity(
            ACTORS["partner"],
            access_session,
            city_name=CITY,
            agency_id="A1",
            service_id="shelter",
            capacity=3,
            as_of=dt.date(2026, 5, 1),
        )
    with use_language("en"), pytest.raises(access.AccessDenied) as caught:
        access.list_users_as(ACTORS["funder"], access_session)
    assert str(caught.value) == "'fay' (funder) may not manage users"


def test_password_and_account_errors_in_french(access_session: Session) -> None:
    from models import accounts
    from models.errors import InvalidRecord
    from planner import passwords

    with use_language("fr"), pytest.raises(passwords.WeakPassword) as caught:
        passwords.check_new_password("short")
    assert str(caught.value) == "mot de passe : utilisez au moins 12 caractères"
    with use_language("fr"), pytest.raises(passwords.WeakPassword, match="nom d’utilisateur"):
        passwords.check_new_password("Bob Bob Bob Bob", username="bob bob bob bob")
    with use_language("fr"), pytest.raises(accounts.UnknownUser) as unknown:
        accounts.require_user(access_session, username="bob")
    assert str(unknown.value) == "aucun compte nommé 'bob'"
    with use_language("fr"), pytest.raises(InvalidRecord, match="n’est pas acceptable"):
        accounts.check_username("no spaces allowed")
    with use_language("fr"), pytest.raises(InvalidRecord, match="un compte partenaire a besoin"):
        accounts.check_role("partner", city=None, agency_id=None)


def test_storage_errors_in_french(access_session: Session) -> None:
    from models import repository
    from models.errors import CityExists, ConcurrentEdit, InvalidRecord, UnknownCity
    from tests.service.access_city import CITY

    with use_language("fr"):
        unknown = UnknownCity("Paris", ["Lyon"])
        exists = CityExists("Lyon")
        stale = ConcurrentEdit("la capacité", city_name="Lyon", expected="1.2", current="1.3")
    assert str(unknown) == (
        "aucune ville nommée 'Paris' dans la base de données ; villes connues : 'Lyon'"
    )
    assert str(exists).startswith("la ville 'Lyon' est déjà dans la base de données")
    assert str(stale).startswith(
        "la capacité : modification non enregistrée, les données de 'Lyon' ont changé"
    )
    assert unknown.name == "Paris" and unknown.known == ["Lyon"]  # kept for code that rewords
    with use_language("fr"), pytest.raises(InvalidRecord) as caught:
        repository.record_capacity(
            access_session,
            city_name=CITY,
            agency_id="A1",
            service_id="shelter",
            capacity=-1,
            as_of=dt.date(2026, 5, 1),
            recorded_by="test",
        )
    assert str(caught.value) == "capacity : -1 est inférieur à 0"
