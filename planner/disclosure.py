"""Small-count suppression of tables of case counts, with complementary suppression.

What a funder, partner or public view of a table of counts of cases shows (analysts see
exact counts; `service.access` decides who sees which):

1. **Primary.** Every count c with 0 < c < k is hidden and shown as "<k" (a reader learns
   1 ≤ c ≤ k-1). Zeros are shown: a zero describes nobody. Totals are counts too, and follow
   the same rule.
2. **Complementary.** A table with totals publishes linear relations: a row's cells add up
   to its total, a column's to its total, the totals to the grand total. A relation with
   exactly one hidden member gives that member away, so another member of it is hidden too,
   shown as "x": the smallest positive count of the relation (a cell rather than a total,
   and preferably one whose other relation already has a hidden member, so that hidden
   cells close into cycles). Repeated until no relation has exactly one hidden member.
3. **Check.** Step 2 is the usual heuristic, and it is not enough on its own: a hidden cell
   that is the only link between two groups of hidden cells, or a hidden count pinned at
   its bound, can still be solved for. So the range each hidden count can take, given
   everything the table shows (the shown counts, 1 ≤ c ≤ k-1 for "<k", c ≥ k for "x":
   complements are only ever chosen among positive counts that were not small), is
   computed by linear programming; while some hidden count has a range of one value,
   another member of its relations is hidden, and the check runs again.
4. **Withheld.** When a hidden count is still pinned and nothing positive is left to hide
   (a table of little but small counts, such as one row of 1 and 1 with its total "<3"),
   the whole table is withheld: every count, zeros included, is shown as "x".

The relations of a two-way table with totals form a network matrix (totally unimodular),
so with integer bounds the ends of every range are integers: a range that is not a single
value holds at least two integers, and knowing that counts are whole numbers does not pin
a hidden count either. tests/planner/test_disclosure_properties.py checks this on random
tables with scipy's `linprog`, independently of the code here.

k = 1 turns suppression off. k = 2 is refused: "<2" would mean exactly 1.

The guarantee holds within one table. Two tables that share cells (the same counts cut two
ways, or a total shown elsewhere) must be suppressed as one table; a page never shows
totals computed from exact counts beside a suppressed table.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.i18n import t
from planner.settings import get_settings

TOTAL = "Total"
"""Label of the totals row and column."""

COMPLEMENT_LABEL = "x"
"""How a count hidden only to protect another one is shown."""

SHOWN, PRIMARY, COMPLEMENT, WITHHELD = "shown", "primary", "complement", "withheld"

_EPSILON = 1e-7

WITHHELD_LABEL = "x"
"""How every count of a withheld table is shown."""

_SHOWN, _PRIMARY, _COMPLEMENT, _WITHHELD = 0, 1, 2, 3
_STATUS_NAMES = np.array([SHOWN, PRIMARY, COMPLEMENT, WITHHELD], dtype=object)


def primary_label(k: int) -> str:
    return f"<{k}"


@dataclass(frozen=True, eq=False)
class SuppressedTable:
    """A table of counts as it may be shown: hidden counts are missing from `shown`.

    `shown` and `status` have the table's rows and columns, plus a `TOTAL` row and/or
    column when totals were asked for. `status` says per count "shown", "primary" (shown
    as "<k") or "complement" (shown as "x"). The exact hidden counts are not in here.
    """

    k: int
    shown: pd.DataFrame
    status: pd.DataFrame

    def labels(self) -> pd.DataFrame:
        """The table as text: numbers, "<k" and "x"."""
        text = self.shown.astype("string").astype(object)
        text = text.mask(self.status == PRIMARY, primary_label(self.k))
        text = text.mask(self.status == COMPLEMENT, COMPLEMENT_LABEL)
        text = text.mask(self.status == WITHHELD, WITHHELD_LABEL)
        return text.astype("string")

    @property
    def withheld(self) -> bool:
        """True when no suppression pattern could protect the small counts (a table of
        little but small counts): then every count, zeros included, is hidden."""
        return bool((self.status == WITHHELD).to_numpy().any())

    @property
    def hidden(self) -> pd.DataFrame:
        return self.status != SHOWN


def resolve_k(k: int | None) -> int:
    """The threshold to use: `k`, or the setting `HAVEN_SMALL_COUNT_K`; 2 is refused."""
    value = get_settings().small_count_k if k is None else int(k)
    if value < 1:
        raise ValueError(t("k: {value} must be at least 1 (1 turns suppression off)", value=value))
    if value == 2:
        raise ValueError(
            t(
                "k: 2 would show every count of 1 as '<2', which hides nothing; "
                "use k >= 3, or k = 1 to turn suppression off"
            )
        )
    return value


def suppress_table(
    counts: pd.DataFrame,
    k: int | None = None,
    *,
    row_totals: bool = True,
    column_totals: bool = True,
) -> SuppressedTable:
    """Suppress a two-way table of counts of cases (rows × columns, whole numbers ≥ 0).

    Totals are computed here from the counts, added as a `TOTAL` row and/or column (a grand
    total when both), and protected with the cells. `k` defaults to the setting.
    """
    k = resolve_k(k)
    matrix = _count_matrix(counts)
    layout = _Layout(matrix, row_totals=row_totals, column_totals=column_totals)
    status = layout.suppress(k)
    return SuppressedTable(k=k, **layout.frames(counts, status))


def suppress_frame(
    frame: pd.DataFrame,
    count_columns: Sequence[str],
    k: int | None = None,
    *,
    total: bool = False,
) -> pd.DataFrame:
    """A long frame (one row per record) as it may be shown: its count columns as text.

    Each count column's small counts become "<k". With `total`, a last row holds each count
    column's total (its first other column says `TOTAL`), and complementary suppression
    keeps every hidden count of a column from being worked out from that total. Counts of
    different columns are never added together. Other columns are kept as they are.
    """
    columns = list(count_columns)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KeyError(f"count_columns: {missing} are not columns of the frame")
    counts = frame[columns].reset_index(drop=True)
    table = suppress_table(counts, k, row_totals=False, column_totals=total)
    labels = table.labels()
    body = frame.reset_index(drop=True).copy()
    for column in columns:
        body[column] = labels[column].iloc[: len(frame)].to_numpy()
        body[column] = body[column].astype("string")
    if not total:
        return body
    others = [c for c in frame.columns if c not in columns]
    total_row: dict[Hashable, object] = {c: pd.NA for c in frame.columns}
    if others:
        total_row[others[0]] = TOTAL
    for column in columns:
        total_row[column] = labels[column].iloc[-1]
    last = pd.DataFrame([total_row], columns=frame.columns)
    for column in frame.columns:
        last[column] = last[column].astype(body[column].dtype, errors="ignore")
    return pd.concat([body, last], ignore_index=True)


@dataclass(frozen=True, eq=False)
class CoverageTable:
    """A plan's coverage (district × service) as an audience without exact counts sees it.

    `units`: per coverage row, the protected figures in units (cases × units per case) of
    served, unmet and demand (= served + unmet), hidden ones included: what every shown
    figure and every shown total is made of. `coverage`: the same rows with hidden figures
    NaN (and coverage = served / demand). `status`: per row, the SHOWN, PRIMARY, COMPLEMENT or
    WITHHELD of served, unmet and demand. `city`: the table's column totals in cases, per
    "<service_id>\t<served_cases | unmet_cases>", NaN when hidden, with their `city_status`.
    """

    units: pd.DataFrame
    coverage: pd.DataFrame
    status: pd.DataFrame
    city: pd.Series
    city_status: pd.Series


def suppress_coverage(coverage: pd.DataFrame, units_per_case: pd.Series, k: int) -> CoverageTable:
    """Suppress a plan's coverage (district_id, service_id, served, unmet, ...) at `k` cases.

    Served and unmet per district and service become cases (units / the service's units per
    case, rounded), suppressed as one table of districts × (service, served | unmet) with its
    row and column totals. Every figure is given back as its cases × units per case, so what
    is shown is exactly what was checked; a cell's demand is its served + unmet, shown when
    both are (hidden as "<k" when the other is a shown 0, as "x" otherwise).
    """
    frame = coverage.reset_index(drop=True)
    units = units_per_case.astype(float)
    per_case = frame["service_id"].map(units).astype(float).replace(0.0, np.nan)
    cases = pd.DataFrame(
        {
            kind: (frame[column] / per_case).fillna(0.0).round().astype("int64")
            for kind, column in (("served_cases", "served"), ("unmet_cases", "unmet"))
        }
    )
    long = pd.concat([frame[["district_id", "service_id"]], cases], axis=1)
    wide = long.pivot_table(
        index="district_id",
        columns="service_id",
        values=["served_cases", "unmet_cases"],
        aggfunc="sum",
        fill_value=0,
    )
    wide.columns = [f"{pair[1]}\t{pair[0]}" for pair in wide.columns]
    table = suppress_table(wide.astype("int64"), k, row_totals=True, column_totals=True)
    status_body = table.status.drop(index=TOTAL).drop(columns=TOTAL)
    keys = list(zip(frame["district_id"], frame["service_id"].astype(str), strict=True))

    def status_of(kind: str) -> pd.Series:
        return pd.Series(
            [status_body.at[d, f"{s}\t{kind}"] for d, s in keys], index=frame.index, dtype=object
        )

    result_units = frame[["district_id", "service_id"]].copy()
    result_units["served"] = cases["served_cases"] * per_case
    result_units["unmet"] = cases["unmet_cases"] * per_case
    result_units["demand"] = result_units["served"] + result_units["unmet"]
    status = pd.DataFrame({"served": status_of("served_cases"), "unmet": status_of("unmet_cases")})
    status["demand"] = _sum_status(status["served"], status["unmet"], cases)
    shown = result_units.copy()
    for column in ("served", "unmet", "demand"):
        shown[column] = shown[column].where(status[column] == SHOWN)
    result = frame[["district_id", "service_id"]].copy()
    result["demand"] = shown["demand"]
    result["served"] = shown["served"]
    result["unmet"] = shown["unmet"]
    result["coverage"] = result["served"] / result["demand"].where(result["demand"] > 0)
    for column in [c for c in frame.columns if c not in result.columns]:
        result[column] = frame[column]
    city = pd.Series(
        table.shown.loc[TOTAL].astype("Float64").astype(float).to_numpy(),
        index=table.shown.columns,
    ).drop(TOTAL)
    city_status = pd.Series(
        table.status.loc[TOTAL].to_numpy(), index=table.status.columns, dtype=object
    ).drop(TOTAL)
    return CoverageTable(result_units, result, status, city, city_status)


def _sum_status(served: pd.Series, unmet: pd.Series, cases: pd.DataFrame) -> pd.Series:
    """The status of served + unmet: shown when both are; "<k" when one is "<k" and the
    other a shown 0 (the sum is that small count); "x" otherwise."""
    both = (served == SHOWN) & (unmet == SHOWN)
    small = ((served == PRIMARY) & (unmet == SHOWN) & (cases["unmet_cases"] == 0)) | (
        (unmet == PRIMARY) & (served == SHOWN) & (cases["served_cases"] == 0)
    )
    withheld = (served == WITHHELD) | (unmet == WITHHELD)
    status = pd.Series(COMPLEMENT, index=served.index, dtype=object)
    status[small] = PRIMARY
    status[withheld] = WITHHELD
    status[both] = SHOWN
    return status


# --- the algorithm ----------------------------------------------------------------------


def _count_matrix(counts: pd.DataFrame) -> np.ndarray:
    try:
        numbers = counts.apply(pd.to_numeric, errors="raise").to_numpy(dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            t("counts: every cell must be a whole number ({error})", error=exc)
        ) from None
    if numbers.size and (
        np.isnan(numbers).any() or (numbers < 0).any() or (numbers != np.round(numbers)).any()
    ):
        raise ValueError(t("counts: every cell must be a whole number >= 0 (no empty cells)"))
    return numbers.astype(np.int64).reshape(counts.shape)


class _Layout:
    """The table's counts as one vector, and the relations between them.

    Positions: the cells row by row, then the row totals, the column totals and the grand
    total (those shown). A relation is a list of (position, coefficient) summing to 0.
    """

    def __init__(self, matrix: np.ndarray, *, row_totals: bool, column_totals: bool) -> None:
        rows, columns = matrix.shape
        self.rows, self.columns = rows, columns
        self.row_totals, self.column_totals = row_totals, column_totals
        self.grand = row_totals and column_totals
        values = [matrix.reshape(-1)]
        self.cell_count = rows * columns
        position = self.cell_count
        self.row_total_at = self.column_total_at = self.grand_at = -1
        if row_totals:
            self.row_total_at, position = position, position + rows
            values.append(matrix.sum(axis=1))
        if column_totals:
            self.column_total_at, position = position, position + columns
            values.append(matrix.sum(axis=0))
        if self.grand:
            self.grand_at, position = position, position + 1
            values.append(np.array([matrix.sum()]))
        self.values = np.concatenate(values).astype(np.int64)
        self.relations = self._relations()
        self.free = np.zeros(len(self.values), dtype=bool)
        self.relations_of: list[list[int]] = [[] for _ in range(len(self.values))]
        for index, relation in enumerate(self.relations):
            for member, _ in relation:
                self.relations_of[member].append(index)

    def cell(self, row: int, column: int) -> int:
        return row * self.columns + column

    def _relations(self) -> list[list[tuple[int, int]]]:
        relations: list[list[tuple[int, int]]] = []
        if self.row_totals:
            for r in range(self.rows):
                cells = [(self.cell(r, c), 1) for c in range(self.columns)]
                relations.append([(self.row_total_at + r, -1), *cells])
        if self.column_totals:
            for c in range(self.columns):
                cells = [(self.cell(r, c), 1) for r in range(self.rows)]
                relations.append([(self.column_total_at + c, -1), *cells])
        if self.grand:
            row_sums = [(self.row_total_at + r, 1) for r in range(self.rows)]
            column_sums = [(self.column_total_at + c, 1) for c in range(self.columns)]
            relations.append([(self.grand_at, -1), *row_sums])
            relations.append([(self.grand_at, -1), *column_sums])
        return relations

    # --- suppression

    def suppress(self, k: int) -> np.ndarray:
        status = np.full(len(self.values), _SHOWN, dtype=np.int8)
        if k <= 1:
            return status
        status[(self.values > 0) & (self.values < k)] = _PRIMARY
        while True:
            self._close_relations(status)
            exact = self._exact(status, k)
            if not exact:
                return status
            added = False
            for position in exact:
                candidate = self._candidate(status, self.relations_of[position])
                if candidate is not None and status[candidate] == _SHOWN:
                    status[candidate] = _COMPLEMENT
                    added = True
            if not added:
                # Nothing local is left to hide: hide every positive count still shown.
                rest = (status == _SHOWN) & (self.values > 0)
                if not rest.any():
                    status[:] = _WITHHELD
                    return status
                status[rest] = _COMPLEMENT

    def _close_relations(self, status: np.ndarray) -> None:
        """Step 2: no relation keeps exactly one hidden member (when it can be helped)."""
        changed = True
        while changed:
            changed = False
            for index, relation in enumerate(self.relations):
                hidden = sum(1 for member, _ in relation if status[member] != _SHOWN)
                if hidden != 1:
                    continue
                candidate = self._candidate(status, [index])
                if candidate is not None:
                    status[candidate] = _COMPLEMENT
                    changed = True

    def _candidate(self, status: np.ndarray, relation_indexes: list[int]) -> int | None:
        """The count to hide next among the shown positive members of these relations."""
        best: tuple[int, int, int, int] | None = None
        for index in relation_indexes:
            for member, _ in self.relations[index]:
                if status[member] != _SHOWN or self.values[member] <= 0:
                    continue
                opened = sum(
                    1
                    for other in self.relations_of[member]
                    if other != index and all(status[m] == _SHOWN for m, _ in self.relations[other])
                )
                key = (int(member >= self.cell_count), opened, int(self.values[member]), member)
                if best is None or key < best:
                    best = key
        return None if best is None else best[3]

    def _exact(self, status: np.ndarray, k: int) -> list[int]:
        """Step 3: the hidden counts whose possible range is a single value.

        A hidden count is free (its range is wider than one value) exactly when some
        direction d keeps the relations (A d = 0) and the bounds of the counts sitting on
        one (d ≥ 0 at a lower bound, d ≤ 0 at an upper bound) and moves it. Hiding more only
        widens what the others can be, so a count once free stays free (`self.free`).
        Proofs, cheapest first: a cycle of counts strictly inside their bounds (moving
        around it keeps every relation and, for a small step, every bound); then a few
        linear programs that push every unproven count at once; then one pair per count
        left, which settle it either way.
        """
        hidden = np.flatnonzero(status != _SHOWN)
        if hidden.size == 0:
            return []
        lower = np.where(status[hidden] == _PRIMARY, 1.0, float(k))
        upper = np.where(status[hidden] == _PRIMARY, float(k - 1), np.inf)
        truth = self.values[hidden].astype(float)
        a_eq, _ = self._hidden_relations(hidden)
        free = self.free[hidden].copy()
        if a_eq.shape[0] == 0:  # nothing ties the hidden counts: each spans its own bounds
            free[:] = True
        at_lower, at_upper = truth <= lower, truth >= upper
        interior = ~at_lower & ~at_upper
        # A bridge of all hidden counts is pinned whatever the bounds: no LP needed.
        pinned = (_cycle_state(a_eq) == 0) & ~free
        if (interior & ~free).any():
            moved = np.zeros(hidden.size, dtype=bool)
            moved[interior] = _cycle_state(a_eq[:, interior]) == 1
            free |= moved
        bounds = [
            (0.0, 1.0) if low else (-1.0, 0.0) if high else (-1.0, 1.0)
            for low, high in zip(at_lower, at_upper, strict=True)
        ]

        from scipy.optimize import linprog  # here: scipy costs every page half a second

        def push(objective: np.ndarray) -> bool:
            """Maximise objective·d; true when it moved a count not yet known to be free."""
            result = linprog(
                -objective, A_eq=a_eq, b_eq=np.zeros(a_eq.shape[0]), bounds=bounds, method="highs"
            )
            if result.status != 0:
                raise RuntimeError(f"disclosure check failed: {result.message}")
            moved = (np.abs(result.x) > _EPSILON) & ~free
            free[:] |= moved
            return bool(moved.any())

        direction = np.where(at_upper, -1.0, 1.0)
        for sign in (1.0, -1.0):
            while (~free & ~pinned).any():
                weights = np.where(interior, sign, 1.0) * direction * (~free & ~pinned)
                if not push(weights):
                    break
        for i in np.flatnonzero(~free & ~pinned):
            for sign in (1.0, -1.0):
                objective = np.zeros(hidden.size)
                objective[i] = sign
                if free[i] or push(objective):
                    break
        self.free[hidden] = free
        return [int(position) for position in hidden[~free]]

    def _hidden_relations(self, hidden: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The relations as equations in the hidden counts: A x = b."""
        column_of = {int(position): i for i, position in enumerate(hidden)}
        rows: list[np.ndarray] = []
        rhs: list[float] = []
        for relation in self.relations:
            row = np.zeros(hidden.size)
            constant = 0.0
            for member, coefficient in relation:
                if member in column_of:
                    row[column_of[member]] = coefficient
                else:
                    constant += coefficient * float(self.values[member])
            if row.any():
                rows.append(row)
                rhs.append(-constant)
        if not rows:
            return np.zeros((0, hidden.size)), np.zeros(0)
        return np.vstack(rows), np.asarray(rhs)

    # --- output

    def frames(self, counts: pd.DataFrame, status: np.ndarray) -> dict[str, pd.DataFrame]:
        index = list(counts.index) + ([TOTAL] if self.column_totals else [])
        columns = list(counts.columns) + ([TOTAL] if self.row_totals else [])
        shape = (len(index), len(columns))
        values = np.zeros(shape, dtype=np.int64)
        states = np.full(shape, _SHOWN, dtype=np.int8)
        values[: self.rows, : self.columns] = self.values[: self.cell_count].reshape(
            self.rows, self.columns
        )
        states[: self.rows, : self.columns] = status[: self.cell_count].reshape(
            self.rows, self.columns
        )
        if self.row_totals:
            part = slice(self.row_total_at, self.row_total_at + self.rows)
            values[: self.rows, -1], states[: self.rows, -1] = self.values[part], status[part]
        if self.column_totals:
            part = slice(self.column_total_at, self.column_total_at + self.columns)
            values[-1, : self.columns] = self.values[part]
            states[-1, : self.columns] = status[part]
        if self.grand:
            values[-1, -1], states[-1, -1] = self.values[self.grand_at], status[self.grand_at]
        row_index = pd.Index(index, name=counts.index.name)
        column_index = pd.Index(columns, name=counts.columns.name)
        shown = pd.DataFrame(values, index=row_index, columns=column_index).astype("Int64")
        shown = shown.mask(states != _SHOWN)
        status_frame = pd.DataFrame(_STATUS_NAMES[states], index=row_index, columns=column_index)
        return {"shown": shown, "status": status_frame}


def _cycle_state(relations: np.ndarray) -> np.ndarray:
    """Per column of the relations: 1 when some null vector moves it, 0 when none does, -1
    when this cannot tell (a count in more than two relations: not a two-way table's).

    Each count is in at most two relations of a two-way table, and with the rows of one
    side (column relations and the grand total's row relation) negated each column has one
    +1 and one -1: the relations are the incidence matrix of a directed graph, with the
    relations as nodes, the counts as edges, and a count in one relation only an edge to a
    common "outside" node. Its null space is the graph's cycle space, so a count moves with
    some null vector exactly when its edge is on a cycle: when it is not a bridge. A count
    in no relation is free on its own.
    """
    rows, columns = relations.shape
    outside = rows
    ends: list[tuple[int, int]] = []
    state = np.zeros(columns, dtype=np.int8)
    for column in range(columns):
        nodes = np.flatnonzero(np.abs(relations[:, column]) > _EPSILON)
        if nodes.size == 0:
            state[column] = 1
            ends.append((outside, outside))
        elif nodes.size == 1:
            ends.append((int(nodes[0]), outside))
        elif nodes.size == 2:
            ends.append((int(nodes[0]), int(nodes[1])))
        else:  # not a two-way table's relation: let the linear programs decide
            state[column] = -1
            ends.append((outside, outside))
    bridges = _bridges(rows + 1, ends)
    for column, (a, b) in enumerate(ends):
        if a != b:
            state[column] = 0 if column in bridges else 1
    return state


def _bridges(node_count: int, edges: list[tuple[int, int]]) -> set[int]:
    """The edges of a multigraph whose removal disconnects their ends (Tarjan, iterative)."""
    adjacent: list[list[tuple[int, int]]] = [[] for _ in range(node_count)]
    for index, (a, b) in enumerate(edges):
        if a != b:
            adjacent[a].append((b, index))
            adjacent[b].append((a, index))
    order = [-1] * node_count
    low = [0] * node_count
    bridges: set[int] = set()
    counter = 0
    for root in range(node_count):
        if order[root] != -1:
            continue
        order[root] = low[root] = counter
        counter += 1
        stack: list[tuple[int, int, int]] = [(root, -1, 0)]  # node, edge in, next neighbour
        while stack:
            node, edge_in, position = stack[-1]
            if position < len(adjacent[node]):
                stack[-1] = (node, edge_in, position + 1)
                neighbour, edge = adjacent[node][position]
                if edge == edge_in:
                    continue
                if order[neighbour] == -1:
                    order[neighbour] = low[neighbour] = counter
                    counter += 1
                    stack.append((neighbour, edge, 0))
                else:
                    low[node] = min(low[node], order[neighbour])
                continue
            stack.pop()
            if stack:
                parent = stack[-1][0]
                low[parent] = min(low[parent], low[node])
                if low[node] > order[parent]:
                    bridges.add(edge_in)
    return bridges
