"""Logins that last across reloads and tabs: `login_session`.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 11:40:00

One row per login: the SHA-256 of the random token the browser holds in its signed cookie
(never the token itself), the account, when it began, was last seen and expires, and when
it was revoked (logout ends every login of the account). Logins are not worth keeping
across a downgrade: dropping them only logs people out, so this step drops them whatever
they hold. It still calls the guard first: a downgrade further down (past 0002) must refuse
before anything is dropped, this table included (SQLite does not undo DDL).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

from models.downgrade_guard import refuse_to_drop_rows

# revision identifiers, used by Alembic.
revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('login_session',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('username', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_session'))
    )
    op.create_index(op.f('ix_login_session_username'), 'login_session', ['username'], unique=False)


def downgrade() -> None:
    # Refuses, before anything is dropped, when the later steps would drop precious rows.
    refuse_to_drop_rows(revision)
    op.drop_index(op.f('ix_login_session_username'), table_name='login_session')
    op.drop_table('login_session')
