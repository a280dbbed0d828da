"""The same model as planner.optimise.model, built as sparse matrices and passed to highspy.

This is the benchmark's reference for how fast the build can be (no PuLP objects at all). It
uses the optimiser's `ModelInputs` and MODEL.md's constraints (1)-(6) in the same order, with
money in thousands as the PuLP model does; soft floor only (the benchmark's scenario).
"""

from __future__ import annotations

import highspy
import numpy as np
import pandas as pd

from planner.optimise.inputs import EQUITY_WEIGHT, ModelInputs
from planner.optimise.model import MONEY_UNIT


def build_highs(inputs: ModelInputs, *, integer: bool = True) -> tuple[highspy.Highs, dict]:
    """A highspy model of `inputs`; returns it with its size."""
    pairs = inputs.pairs
    reached = pd.MultiIndex.from_frame(inputs.arcs[["agency_id", "service_id"]]).unique()
    keys = pd.MultiIndex.from_frame(pairs[["agency_id", "service_id"]])
    pairs = pairs[keys.isin(reached)].reset_index(drop=True)
    grow = pairs.index[pairs["m"] > 0].to_numpy()
    n_k = len(grow)
    k_of_pair = np.full(len(pairs), -1)
    k_of_pair[grow] = np.arange(n_k)
    is_new = pairs["is_new"].to_numpy(bool)[grow]
    y_pos = np.flatnonzero(is_new)
    n_y = len(y_pos)
    cost = pairs["cost"].to_numpy(float)[grow] / MONEY_UNIT
    open_cost = pairs["open_cost"].to_numpy(float)[grow] / MONEY_UNIT
    paid = (cost > 0) | (open_cost > 0)
    grow_keys = pd.MultiIndex.from_arrays(
        [pairs["agency_id"].to_numpy()[grow], pairs["service_id"].to_numpy()[grow]]
    )
    elig = inputs.eligible
    g_k = grow_keys.get_indexer(pd.MultiIndex.from_frame(elig[["agency_id", "service_id"]]))
    keep = g_k >= 0
    g_k = g_k[keep]
    g_k_ok = paid[g_k]
    g_k = g_k[g_k_ok]
    funders = list(inputs.funder_budget)
    g_f = pd.Index(funders).get_indexer(elig["funder_id"].to_numpy()[keep][g_k_ok])
    n_g = len(g_k)

    cells = inputs.block_demand.reset_index(drop=True)
    flows = inputs.arcs.merge(
        cells[["district_id", "service_id", "block", "months"]].assign(cell=np.arange(len(cells))),
        on=["district_id", "service_id"],
    )
    pair_index = pd.MultiIndex.from_frame(pairs[["agency_id", "service_id"]])
    flow_pair = pair_index.get_indexer(pd.MultiIndex.from_frame(flows[["agency_id", "service_id"]]))
    n_x, n_u = len(flows), len(cells)
    floor_cells = (
        cells.assign(total=cells["demand"] * cells["months"])
        .groupby(["district_id", "service_id"], sort=True)["total"]
        .sum()
    )
    floor_cells = floor_cells[floor_cells > 0]
    use_floor = inputs.equity_floor > 0
    n_v = len(floor_cells) if use_floor else 0

    # Column blocks: k, y, g, x, u, v.
    o_y, o_g = n_k, n_k + n_y
    o_x = o_g + n_g
    o_u = o_x + n_x
    o_v = o_u + n_u
    n_cols = o_v + n_v
    weight = inputs.services["weight"]
    c = np.zeros(n_cols)
    c[o_g:o_x] = inputs.cost_weight * MONEY_UNIT
    c[o_x:o_u] = (
        inputs.distance_weight * flows["months"].to_numpy(float) * flows["dist_km"].to_numpy(float)
    )
    c[o_u:o_v] = cells["months"].to_numpy(float) * weight.reindex(cells["service_id"]).to_numpy()
    if n_v:
        services = floor_cells.index.get_level_values("service_id")
        c[o_v:] = EQUITY_WEIGHT * weight.reindex(services).to_numpy()
    lower = np.zeros(n_cols)
    upper = np.full(n_cols, highspy.kHighsInf)
    upper[:n_k] = pairs["m"].to_numpy(float)[grow]
    upper[o_y:o_g] = 1.0

    rows_i: list[np.ndarray] = []
    cols_j: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    row_lo: list[np.ndarray] = []
    row_hi: list[np.ndarray] = []
    n_rows = 0

    def add(r: np.ndarray, j: np.ndarray, v: np.ndarray) -> None:
        rows_i.append(r + n_rows)
        cols_j.append(j)
        vals.append(v)

    # (1) balance
    add(flows["cell"].to_numpy(), o_x + np.arange(n_x), np.ones(n_x))
    add(np.arange(n_u), o_u + np.arange(n_u), np.ones(n_u))
    demand = cells["demand"].to_numpy(float)
    row_lo.append(demand)
    row_hi.append(demand)
    n_rows += n_u
    # (2) capacity per (pair, block)
    cap_key = pd.MultiIndex.from_arrays([flow_pair, flows["block"].to_numpy()])
    cap_codes, cap_uniques = pd.factorize(cap_key)
    n_cap = len(cap_uniques)
    add(cap_codes, o_x + np.arange(n_x), np.ones(n_x))
    cap_pair = np.asarray(cap_uniques.get_level_values(0), dtype=int)
    has_k = k_of_pair[cap_pair] >= 0
    add(np.flatnonzero(has_k), k_of_pair[cap_pair[has_k]], -np.ones(int(has_k.sum())))
    row_lo.append(np.full(n_cap, -highspy.kHighsInf))
    row_hi.append(pairs["c0"].to_numpy(float)[cap_pair])
    n_rows += n_cap
    # (3) funding per paid k
    paid_k = np.flatnonzero(paid)
    fund_row = np.full(n_k, -1)
    fund_row[paid_k] = np.arange(len(paid_k))
    add(fund_row[g_k], o_g + np.arange(n_g), np.ones(n_g))
    add(np.arange(len(paid_k)), paid_k, -cost[paid_k])
    new_paid = np.flatnonzero(is_new[paid_k])
    if len(new_paid):
        y_index = np.searchsorted(y_pos, paid_k[new_paid])
        add(new_paid, o_y + y_index, -open_cost[paid_k[new_paid]])
    row_lo.append(np.zeros(len(paid_k)))
    row_hi.append(np.zeros(len(paid_k)))
    n_rows += len(paid_k)
    # (4) funder budgets and the total
    add(g_f, o_g + np.arange(n_g), np.ones(n_g))
    add(np.full(n_g, len(funders)), o_g + np.arange(n_g), np.ones(n_g))
    budgets = np.array([inputs.funder_budget[f] for f in funders] + [inputs.total_budget])
    row_lo.append(np.full(len(funders) + 1, -highspy.kHighsInf))
    row_hi.append(budgets / MONEY_UNIT)
    n_rows += len(funders) + 1
    # (5) expansion
    add(np.arange(n_k), np.arange(n_k), np.ones(n_k))
    if n_y:
        add(y_pos, o_y + np.arange(n_y), -upper[:n_k][y_pos])
    exp_hi = upper[:n_k].copy()
    exp_hi[y_pos] = 0.0
    row_lo.append(np.full(n_k, -highspy.kHighsInf))
    row_hi.append(exp_hi)
    n_rows += n_k
    # (6) floor (soft)
    if use_floor and len(floor_cells):
        owner = floor_cells.index.get_indexer(
            pd.MultiIndex.from_frame(cells[["district_id", "service_id"]])
        )
        ok = owner >= 0
        add(owner[ok], o_u + np.flatnonzero(ok), cells["months"].to_numpy(float)[ok])
        add(np.arange(n_v), o_v + np.arange(n_v), -np.ones(n_v))
        row_lo.append(np.full(n_v, -highspy.kHighsInf))
        row_hi.append((1 - inputs.equity_floor) * floor_cells.to_numpy(float))
        n_rows += n_v

    from scipy.sparse import csc_matrix

    matrix = csc_matrix(
        (np.concatenate(vals), (np.concatenate(rows_i), np.concatenate(cols_j))),
        shape=(n_rows, n_cols),
    )
    lp = highspy.HighsLp()
    lp.num_col_ = n_cols
    lp.num_row_ = n_rows
    lp.col_cost_ = c
    lp.col_lower_ = lower
    lp.col_upper_ = upper
    lp.row_lower_ = np.concatenate(row_lo)
    lp.row_upper_ = np.concatenate(row_hi)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = matrix.indptr
    lp.a_matrix_.index_ = matrix.indices
    lp.a_matrix_.value_ = matrix.data
    if integer:
        integrality = np.zeros(n_cols, dtype=np.int32)
        integer_service = inputs.services["integer"].to_numpy(bool)
        service_of_k = inputs.services.index.get_indexer(pairs["service_id"].to_numpy()[grow])
        integrality[:n_k] = integer_service[service_of_k].astype(np.int32)
        integrality[o_y:o_g] = 1
        lp.integrality_ = [highspy.HighsVarType(int(v)) for v in integrality]
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.passModel(lp)
    size = {"variables": n_cols, "constraints": n_rows, "nonzeros": int(matrix.nnz)}
    return h, size
