"""public portal: reports as submitted, their history and messages, evidence files

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-21 20:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('portal_reports',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('code_hash', sa.String(length=200), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submission', sa.JSON(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('category', sa.String(length=120), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('event_id', sa.String(length=40), nullable=True),
    sa.Column('allocated_to', sa.String(length=80), nullable=True),
    sa.Column('redactions', sa.JSON(), nullable=False),
    sa.Column('client', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_reports')),
    sa.UniqueConstraint('reference', name=op.f('uq_portal_reports_reference'))
    )
    op.create_index('ix_portal_reports_stage', 'portal_reports', ['stage', 'submitted_at'], unique=False)
    op.create_table('portal_updates',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('report_id', sa.String(length=40), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=True),
    sa.Column('author', sa.String(length=80), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['portal_reports.id'], name=op.f('fk_portal_updates_report_id_portal_reports')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_updates'))
    )
    op.create_index('ix_portal_updates_report', 'portal_updates', ['report_id', 'id'], unique=False)
    op.create_table('portal_files',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('report_id', sa.String(length=40), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('media_type', sa.String(length=60), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['portal_reports.id'], name=op.f('fk_portal_files_report_id_portal_reports')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_files'))
    )
    op.create_index('ix_portal_files_report', 'portal_files', ['report_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_portal_files_report', table_name='portal_files')
    op.drop_table('portal_files')
    op.drop_index('ix_portal_updates_report', table_name='portal_updates')
    op.drop_table('portal_updates')
    op.drop_index('ix_portal_reports_stage', table_name='portal_reports')
    op.drop_table('portal_reports')
