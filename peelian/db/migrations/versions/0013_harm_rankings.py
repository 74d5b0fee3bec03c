"""harm rankings: one row per refresh of a priority list

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-21 18:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('harm_rankings',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('harm_index', sa.String(length=20), nullable=False),
    sa.Column('made_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('made_by', sa.String(length=80), nullable=False),
    sa.Column('parameters', sa.JSON(), nullable=False),
    sa.Column('ranking', sa.JSON(), nullable=False),
    sa.Column('report', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_harm_rankings'))
    )
    op.create_index('ix_harm_rankings_method', 'harm_rankings', ['method', 'harm_index', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_harm_rankings_method', table_name='harm_rankings')
    op.drop_table('harm_rankings')
