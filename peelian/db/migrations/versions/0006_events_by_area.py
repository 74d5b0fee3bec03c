"""Index events by source area and time: analysts filter by LSOA or beat all day

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21 07:50:00
"""

from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_events_area_time', 'events', ['area_code', 'time_from'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_events_area_time', table_name='events')
