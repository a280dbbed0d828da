"""Live capacity (issue 19): funded units, the capacity archive, hotline contacts, and the
city's own small-count threshold.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 14:00:00

- `capacity.funded` (nullable): units funded, >= capacity (what is in service);
- `city.small_count_k` (nullable): city.json's small_count_k (None: HAVEN_SMALL_COUNT_K);
- `capacity_archive`: the capacity rows a replacing import took out, with their as_of, so
  that every earlier figure of an agency survives an import (each edit adds a row to
  `capacity` itself);
- `hotline_contact`: hotline.csv's aggregate contacts.

Its downgrade refuses (models.downgrade_guard) when the archive or the hotline rows hold
anything, unless forced; the two new columns are dropped with their values.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

from models.downgrade_guard import refuse_to_drop_rows

# revision identifiers, used by Alembic.
revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('capacity') as batch:
        batch.add_column(sa.Column('funded', sa.Float(), nullable=True))
    with op.batch_alter_table('city') as batch:
        batch.add_column(sa.Column('small_count_k', sa.Integer(), nullable=True))
    op.create_table('capacity_archive',
    sa.Column('agency_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('service_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('capacity', sa.Float(), nullable=False),
    sa.Column('occupied', sa.Float(), nullable=True),
    sa.Column('max_expansion', sa.Float(), nullable=False),
    sa.Column('unit_cost', sa.Float(), nullable=True),
    sa.Column('as_of', sa.Date(), nullable=True),
    sa.Column('funded', sa.Float(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('archived_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['city.id'], name=op.f('fk_capacity_archive_city_id_city')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_capacity_archive'))
    )
    op.create_index(op.f('ix_capacity_archive_city_id'), 'capacity_archive', ['city_id'], unique=False)
    op.create_table('hotline_contact',
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('contacts', sa.Integer(), nullable=False),
    sa.Column('district_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('exploitation', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('referred', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('contacts >= 0', name=op.f('ck_hotline_contact_contacts_non_negative')),
    sa.CheckConstraint('referred >= 0', name=op.f('ck_hotline_contact_referred_non_negative')),
    sa.ForeignKeyConstraint(['city_id', 'district_id'], ['district.city_id', 'district.district_id'], name=op.f('fk_hotline_contact_city_id_district_id_district')),
    sa.ForeignKeyConstraint(['city_id'], ['city.id'], name=op.f('fk_hotline_contact_city_id_city')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hotline_contact'))
    )
    op.create_index(op.f('ix_hotline_contact_city_id'), 'hotline_contact', ['city_id'], unique=False)


def downgrade() -> None:
    # Refuses, before anything is dropped, when the archive or the hotline rows hold rows.
    refuse_to_drop_rows(revision)
    op.drop_index(op.f('ix_hotline_contact_city_id'), table_name='hotline_contact')
    op.drop_table('hotline_contact')
    op.drop_index(op.f('ix_capacity_archive_city_id'), table_name='capacity_archive')
    op.drop_table('capacity_archive')
    with op.batch_alter_table('city') as batch:
        batch.drop_column('small_count_k')
    with op.batch_alter_table('capacity') as batch:
        batch.drop_column('funded')
