"""Bearer tokens of the REST API: `api_token`.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 13:55:00

One row per token an admin made for an account: the token's keyed hash (HMAC-SHA256, never
the token itself; unique, so a request finds its token by index), a short prefix to name it
in listings, its name, who made it and when, when it was last used and when it was revoked.
Tokens are not worth keeping across a downgrade: dropping them only means partners need new
ones, so this step drops them whatever they hold. It still calls the guard first, so that a
downgrade further down (past 0002) refuses before anything is dropped.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

from models.downgrade_guard import refuse_to_drop_rows

# revision identifiers, used by Alembic.
revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('prefix', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_token_token_hash'))
    )
    op.create_index(op.f('ix_api_token_username'), 'api_token', ['username'], unique=False)


def downgrade() -> None:
    # Refuses, before anything is dropped, when the later steps would drop precious rows.
    refuse_to_drop_rows(revision)
    op.drop_index(op.f('ix_api_token_username'), table_name='api_token')
    op.drop_table('api_token')
