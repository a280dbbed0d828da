"""The Plan page's years (issue 20): drawn for a plan with years, nothing for one horizon."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _script(months: int) -> None:
    import tempfile
    from pathlib import Path

    from planner.optimiser import solve
    from planner.package import read_package
    from planner.scenario import Scenario
    from tests.package_factory import write_v2_package
    from ui import years_view

    with tempfile.TemporaryDirectory() as tmp:
        package = read_package(write_v2_package(Path(tmp) / "v2"))
    plan = solve(package, Scenario(name="years", horizon_months=months))
    years_view.draw_years(plan, package)


def test_the_years_are_drawn_with_their_cliffs_and_flat_cost() -> None:
    app = AppTest.from_function(_script, args=(36,), default_timeout=300)
    app.run()
    assert not app.exception
    assert [h.value for h in app.subheader] == ["Year by year, and the funding cliffs"]
    table = app.dataframe[0].value
    assert list(table["year"]) == [1, 2, 3]
    text = " ".join(m.value for m in app.markdown)
    assert "Keeping coverage at the first year" in text


def test_a_plan_of_one_year_draws_no_years() -> None:
    app = AppTest.from_function(_script, args=(12,), default_timeout=300)
    app.run()
    assert not app.exception
    assert not app.subheader and not app.dataframe
