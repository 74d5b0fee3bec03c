"""crime linkage: trained models, one row per training

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-21 17:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('linkage_models',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('category', sa.String(length=120), nullable=False),
    sa.Column('trained_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('trained_by', sa.String(length=80), nullable=False),
    sa.Column('model', sa.Text(), nullable=False),
    sa.Column('report', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_linkage_models'))
    )
    op.create_index('ix_linkage_models_category', 'linkage_models', ['category', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_linkage_models_category', table_name='linkage_models')
    op.drop_table('linkage_models')
