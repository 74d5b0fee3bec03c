"""Record the longest event window, so date filters can use the time index

An event overlaps a date range when it ends after the start and begins before the end; knowing
the longest window turns "ends after the start" into a range on time_from as well.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21 08:05:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        longest = "SELECT CEIL(EXTRACT(EPOCH FROM MAX(time_to - time_from)))::bigint FROM events"
    else:
        longest = "SELECT CAST(MAX((julianday(time_to) - julianday(time_from)) * 86400) AS INTEGER) + 1 FROM events"
    seconds = bind.execute(sa.text(longest)).scalar() or 0
    op.execute(sa.text("INSERT INTO store_meta (key, value) VALUES ('longest_event_window_s', :v)").bindparams(v=str(int(seconds))))


def downgrade() -> None:
    op.execute("DELETE FROM store_meta WHERE key = 'longest_event_window_s'")
