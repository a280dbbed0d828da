"""People, flow and time (issues 15, 16, 20): population groups, demand by group, language
and exploitation, who an agency accepts, interpretation, referral pathways, grant windows.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 17:20:00

- `population`: populations.csv's groups;
- `pathway`: pathways.csv's referral pathways (both services of the city);
- `demand_observation.population`, `.language`, `.exploitation` (not NULL, so that the
  key holds: 'any', '' and 'unknown' for the rows already there), and its key
  `uq_demand_observation_key` widened to them;
- `capacity.populations` and `capacity_archive.populations` (nullable: every group);
- `service.interpretation_per_unit` (0 for the rows already there);
- `city.interpretation_service` (nullable);
- `funder.start`, `funder.end` (nullable: the whole horizon).

Every existing city keeps its rows and reads as a version-1 package: no group, no
pathway, no window. The downgrade refuses (models.downgrade_guard) when populations or
pathways are stored or demand rows name a group, language or exploitation type, unless
forced; forced, demand is summed back to version 1's key and the new columns are dropped
with their values.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

from models.downgrade_guard import refuse_to_drop_rows

# revision identifiers, used by Alembic.
revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

V1_KEY = ['city_id', 'district_id', 'service_id', 'period', 'source']
V2_KEY = [*V1_KEY, 'population', 'language', 'exploitation']
DEMAND_DEFAULTS = {'population': 'any', 'language': '', 'exploitation': 'unknown'}
"""What a version-1 demand row holds in the new columns (never NULL: the key must hold)."""


def upgrade() -> None:
    with op.batch_alter_table('city') as batch:
        batch.add_column(
            sa.Column('interpretation_service', sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )
    # Columns are only added to tables others refer to (SQLite adds them in place; any other
    # change there copies the table, which its rows' references forbid inside the
    # migration's transaction). The server default gives the rows already there their 0.
    with op.batch_alter_table('service') as batch:
        batch.add_column(
            sa.Column('interpretation_per_unit', sa.Float(), nullable=False, server_default='0')
        )
    for table in ('capacity', 'capacity_archive'):
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column('populations', sqlmodel.sql.sqltypes.AutoString(), nullable=True)
            )
    with op.batch_alter_table('funder') as batch:
        batch.add_column(sa.Column('start', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch.add_column(sa.Column('end', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    with op.batch_alter_table('demand_observation') as batch:
        for name, default in DEMAND_DEFAULTS.items():
            batch.add_column(
                sa.Column(
                    name,
                    sqlmodel.sql.sqltypes.AutoString(),
                    nullable=False,
                    server_default=default,
                )
            )
        batch.drop_constraint('uq_demand_observation_key', type_='unique')
        batch.create_unique_constraint('uq_demand_observation_key', V2_KEY)
    op.create_table('population',
    sa.Column('population_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('weight', sa.Float(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('weight > 0', name=op.f('ck_population_weight_positive')),
    sa.ForeignKeyConstraint(['city_id'], ['city.id'], name=op.f('fk_population_city_id_city')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_population')),
    sa.UniqueConstraint('city_id', 'population_id', name=op.f('uq_population_city_id_population_id'))
    )
    op.create_table('pathway',
    sa.Column('from_service', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('to_service', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('share', sa.Float(), nullable=False),
    sa.Column('lag_months', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('share >= 0 AND share <= 1', name=op.f('ck_pathway_share_range')),
    sa.CheckConstraint('lag_months >= 0', name=op.f('ck_pathway_lag_months_non_negative')),
    sa.ForeignKeyConstraint(['city_id', 'from_service'], ['service.city_id', 'service.service_id'], name=op.f('fk_pathway_city_id_from_service_service')),
    sa.ForeignKeyConstraint(['city_id', 'to_service'], ['service.city_id', 'service.service_id'], name=op.f('fk_pathway_city_id_to_service_service')),
    sa.ForeignKeyConstraint(['city_id'], ['city.id'], name=op.f('fk_pathway_city_id_city')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pathway')),
    sa.UniqueConstraint('city_id', 'from_service', 'to_service', name=op.f('uq_pathway_city_id_from_service_to_service'))
    )


def downgrade() -> None:
    # Refuses, before anything is dropped, when populations or pathways hold rows.
    refuse_to_drop_rows(revision)
    op.drop_table('pathway')
    op.drop_table('population')
    _sum_demand_to_version_1()
    with op.batch_alter_table('demand_observation') as batch:
        batch.drop_constraint('uq_demand_observation_key', type_='unique')
        batch.create_unique_constraint('uq_demand_observation_key', V1_KEY)
        for name in ('exploitation', 'language', 'population'):
            batch.drop_column(name)
    # Dropped in place (SQLite 3.35+ too), not by copying tables that others refer to.
    op.drop_column('funder', 'end')
    op.drop_column('funder', 'start')
    op.drop_column('capacity_archive', 'populations')
    op.drop_column('capacity', 'populations')
    op.drop_column('service', 'interpretation_per_unit')
    op.drop_column('city', 'interpretation_service')


def _sum_demand_to_version_1() -> None:
    """Replace the demand rows of every version-1 key that has rows by group with one row
    holding their sum, so that the narrower key holds again (a forced downgrade)."""
    connection = op.get_bind()
    demand = sa.table(
        'demand_observation',
        *(sa.column(name) for name in ('id', *V2_KEY, 'cases')),
    )
    grouped = sa.or_(*(demand.c[name] != default for name, default in DEMAND_DEFAULTS.items()))
    keys = {
        tuple(row)
        for row in connection.execute(
            sa.select(*(demand.c[name] for name in V1_KEY)).where(grouped)
        )
    }
    if not keys:
        return
    rows = connection.execute(
        sa.select(demand.c.id, *(demand.c[name] for name in V1_KEY), demand.c.cases)
    ).all()
    sums: dict[tuple[object, ...], int] = {}
    doomed: list[int] = []
    for row in rows:
        key = tuple(row[1:-1])
        if key in keys:
            sums[key] = sums.get(key, 0) + int(row[-1])
            doomed.append(int(row[0]))
    for start in range(0, len(doomed), 500):
        connection.execute(sa.delete(demand).where(demand.c.id.in_(doomed[start : start + 500])))
    connection.execute(
        sa.insert(demand),
        [{**dict(zip(V1_KEY, key, strict=True)), 'cases': cases} for key, cases in sums.items()],
    )
