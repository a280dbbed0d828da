"""The audit log refuses TRUNCATE too (PostgreSQL).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 10:30:00

0002's row triggers refuse UPDATE and DELETE on `audit_event`, but TRUNCATE fires no row
trigger: on PostgreSQL `TRUNCATE audit_event` emptied the log. A statement-level
BEFORE TRUNCATE trigger calls the same function, so TRUNCATE raises *audit_event is
append-only* as well. SQLite has no TRUNCATE: its `DELETE FROM audit_event` (which SQLite
may run as a truncate) already fires 0002's DELETE trigger, so nothing changes there.
"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POSTGRESQL_UPGRADE = [
    """CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()""",
]
POSTGRESQL_DOWNGRADE = ["DROP TRIGGER audit_event_no_truncate ON audit_event"]


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        for statement in POSTGRESQL_UPGRADE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        for statement in POSTGRESQL_DOWNGRADE:
            op.execute(statement)
