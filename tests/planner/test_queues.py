"""The M/M/c formulas of planner.queues against hand-worked cases and invariants."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner import queues


def test_erlang_b_and_c_by_hand() -> None:
    # c = 2, a = 1: B(1) = 1/2, B(2) = 0.5 / 2.5 = 0.2, C = 0.2 / (1 - 0.5 * 0.8) = 1/3.
    assert queues.erlang_b(2, 1.0) == pytest.approx(0.2)
    assert queues.erlang_c(2, 1.0) == pytest.approx(1 / 3)
    # M/M/1: the probability of waiting is the utilisation.
    assert queues.erlang_c(1, 0.7) == pytest.approx(0.7)


def test_mm1_waits_are_the_textbook_ones() -> None:
    # lambda = 0.5 per month, mean hold 1 month: Wq = rho / (mu - lambda) = 0.5 / 0.5 = 1 month.
    queue = queues.mmc(0.5, 1.0, 1)
    assert queue.stable
    assert queue.mean_wait == pytest.approx(1.0)
    # P(W > t) = rho exp(-(mu - lambda) t): the 0.8 quantile is ln(0.5 / 0.2) / 0.5.
    assert queue.wait_quantile(0.8) == pytest.approx(math.log(2.5) / 0.5)
    assert queue.wait_quantile(0.4) == 0.0  # 60 % never wait


def test_many_servers_stay_finite() -> None:
    queue = queues.mmc(1900.0 / 3.0, 3.0, 2000)  # 2,000 beds at 95 %
    assert queue.stable
    assert 0.0 < queue.p_wait < 1.0
    assert math.isfinite(queue.mean_wait) and queue.mean_wait > 0


@pytest.mark.parametrize("load", [10.0, 12.0, 11.9999999999])
def test_full_or_overfull_is_unstable(load: float) -> None:
    queue = queues.mmc(load / 3.0, 3.0, 10)
    assert not queue.stable
    assert math.isnan(queue.mean_wait) and math.isnan(queue.wait_quantile(0.8))


def test_no_servers_with_arrivals_is_unstable_and_idle_is_zero() -> None:
    assert not queues.mmc(1.0, 3.0, 0).stable
    idle = queues.mmc(0.0, 3.0, 4)
    assert idle.stable and idle.mean_wait == 0.0 and idle.wait_quantile(0.8) == 0.0


def test_max_utilisation_meets_the_target_and_no_more() -> None:
    servers, hold, target, probability = 20, 3.0, 14 / queues.DAYS_PER_MONTH, 0.8
    rho = queues.max_utilisation(servers, hold, target, probability)
    assert 0.0 < rho < 1.0
    at = queues.mmc(rho * servers / hold, hold, servers)
    above = queues.mmc((rho + 0.01) * servers / hold, hold, servers)
    assert at.wait_beyond(target) <= 1 - probability + 1e-9
    assert above.wait_beyond(target) > 1 - probability


def test_whole_units_count() -> None:
    assert queues.whole_units(11.9999999) == 12
    assert queues.whole_units(12.6) == 12
    assert queues.whole_units(0.4) == 0


@settings(max_examples=200, deadline=None)
@given(
    servers=st.integers(1, 60),
    extra=st.integers(1, 20),
    utilisation=st.floats(0.01, 0.99),
    hold=st.floats(0.1, 12.0),
)
def test_more_capacity_never_lengthens_a_wait(
    servers: int, extra: int, utilisation: float, hold: float
) -> None:
    arrivals = utilisation * servers / hold
    fewer = queues.mmc(arrivals, hold, servers)
    more = queues.mmc(arrivals, hold, servers + extra)
    assert more.p_wait <= fewer.p_wait + 1e-12
    assert more.mean_wait <= fewer.mean_wait + 1e-12
    assert more.wait_quantile(0.8) <= fewer.wait_quantile(0.8) + 1e-12


@settings(max_examples=60, deadline=None)
@given(
    beds=st.lists(st.integers(1, 30), min_size=2, max_size=4),
    share=st.floats(0.3, 0.95),
    extra=st.integers(1, 10),
    which=st.integers(0, 3),
)
def test_more_capacity_never_lengthens_a_districts_wait(
    beds: list[int], share: float, extra: int, which: int
) -> None:
    agencies = [f"A{i}" for i in range(len(beds))]
    flows = pd.DataFrame(
        {
            "district_id": "D1",
            "agency_id": agencies,
            "service_id": "shelter",
            "units_per_month": [share * b for b in beds],
        }
    )
    servers = pd.DataFrame({"agency_id": agencies, "service_id": "shelter", "capacity": beds})
    grown = servers.copy()
    grown.loc[which % len(beds), "capacity"] += extra
    hold = {"shelter": 3.0}
    before = queues.waiting_side(flows, servers, hold).districts.iloc[0]
    after = queues.waiting_side(flows, grown, hold).districts.iloc[0]
    assert after["mean_wait_days"] <= before["mean_wait_days"] + 1e-9
    assert after["quantile_wait_days"] <= before["quantile_wait_days"] + 1e-9


def test_district_wait_is_the_mixture_of_its_agencies() -> None:
    flows = pd.DataFrame(
        {
            "district_id": ["D1", "D1", "D2"],
            "agency_id": ["A1", "A2", "A2"],
            "service_id": "shelter",
            "units_per_month": [6.0, 3.0, 3.0],
        }
    )
    servers = pd.DataFrame({"agency_id": ["A1", "A2"], "service_id": "shelter", "capacity": [8, 8]})
    side = queues.waiting_side(flows, servers, {"shelter": 3.0})
    agencies = side.agencies.set_index("agency_id")
    assert agencies.loc["A1", "arrivals_per_month"] == pytest.approx(2.0)
    assert agencies.loc["A2", "utilisation"] == pytest.approx(6.0 / 8.0)
    d1 = side.districts.set_index("district_id").loc["D1"]
    # D1 sends 2 cases a month to A1 and 1 to A2: its mean wait weighs them 2:1.
    expected = (2 * agencies.loc["A1", "mean_wait_days"] + agencies.loc["A2", "mean_wait_days"]) / 3
    assert d1["mean_wait_days"] == pytest.approx(expected)
    low, high = sorted(agencies["quantile_wait_days"])
    assert low - 1e-9 <= d1["quantile_wait_days"] <= high + 1e-9


def test_an_unstable_agency_makes_its_districts_wait_unbounded() -> None:
    flows = pd.DataFrame(
        {
            "district_id": ["D1"],
            "agency_id": ["A1"],
            "service_id": "shelter",
            "units_per_month": [8.0],
        }
    )
    servers = pd.DataFrame({"agency_id": ["A1"], "service_id": "shelter", "capacity": [8.0]})
    side = queues.waiting_side(flows, servers, {"shelter": 3.0})
    assert not side.agencies["stable"].iloc[0]
    assert not side.districts["stable"].iloc[0]
    assert np.isnan(side.districts["mean_wait_days"].iloc[0])


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.lists(
            st.tuples(
                st.floats(0.0, 5.0), st.floats(0.0, 1.0), st.floats(0.01, 2.0)
            ),  # cases, P(wait), decay a day
            min_size=1,
            max_size=5,
        ),
        min_size=1,
        max_size=6,
    ),
    st.sampled_from([0.5, 0.8, 0.95]),
)
def test_many_districts_quantiles_at_once_are_each_districts_own(
    districts: list[list[tuple[float, float, float]]], q: float
) -> None:
    """The waits of all districts, computed together (`mixture_quantiles`), are each
    district's wait computed alone, and each is where the mixture's tail is 1 - q."""
    weights = np.array([w for d in districts for w, _, _ in d])
    p_wait = np.array([p for d in districts for _, p, _ in d])
    decay = np.array([r for d in districts for _, _, r in d])
    group = np.repeat(np.arange(len(districts)), [len(d) for d in districts])
    together = queues.mixture_quantiles(weights, p_wait, decay, group, q, len(districts) + 1)
    assert together[-1] == 0.0  # a district without members waits for nothing
    for index, members in enumerate(districts):
        w, p, r = (np.array(column, float) for column in zip(*members, strict=True))
        alone = queues.mixture_quantile(w, p, r, q)
        assert together[index] == alone
        tail = float((w * p * np.exp(-r * alone)).sum())
        if alone > 0:
            assert tail == pytest.approx(1 - q, rel=1e-6, abs=1e-9)
        else:
            assert tail <= 1 - q + 1e-12


def test_held_services_are_whole_units_or_long_stays() -> None:
    services = pd.DataFrame(
        {
            "service_id": ["bed", "legal", "hotline"],
            "integer": [True, False, False],
            "units_per_case": [3.0, 6.0, 1.0],
        }
    )
    assert queues.held_services(services) == ["bed", "legal"]


def test_waiting_round_trips_through_json() -> None:
    flows = pd.DataFrame(
        {"district_id": ["D1"], "agency_id": ["A1"], "service_id": "s", "units_per_month": [8.0]}
    )
    servers = pd.DataFrame({"agency_id": ["A1"], "service_id": "s", "capacity": [8.0]})
    side = queues.waiting_side(flows, servers, {"s": 3.0})
    waiting = queues.Waiting(0.8, {"s": 3.0}, side, side)
    back = queues.Waiting.from_dict(waiting.to_dict())
    assert back is not None and back.before is not None
    pd.testing.assert_frame_equal(back.after.agencies, side.agencies, check_dtype=False)
