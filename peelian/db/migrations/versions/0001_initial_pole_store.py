"""initial POLE store

Revision ID: 0001
Revises: none
Create Date: 2026-11-21 06:18:04.103232
"""

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('areas',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('scheme', sa.String(length=40), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('geometry', sa.LargeBinary(), nullable=False),
    sa.Column('geometry_wgs84', sa.Text(), nullable=False),
    sa.Column('minx', sa.Float(), nullable=False),
    sa.Column('miny', sa.Float(), nullable=False),
    sa.Column('maxx', sa.Float(), nullable=False),
    sa.Column('maxy', sa.Float(), nullable=False),
    sa.Column('attributes', sa.JSON(), nullable=True),
    sa.Column('source_name', sa.Text(), nullable=False),
    sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_areas')),
    sa.UniqueConstraint('scheme', 'code', name=op.f('uq_areas_scheme_code'))
    )
    op.create_table('ingest_runs',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('adapter', sa.String(length=40), nullable=False),
    sa.Column('source_system', sa.String(length=80), nullable=False),
    sa.Column('source_name', sa.Text(), nullable=False),
    sa.Column('source_path', sa.Text(), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('file_bytes', sa.BigInteger(), nullable=False),
    sa.Column('columns', sa.JSON(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rows_read', sa.Integer(), nullable=False),
    sa.Column('rows_inserted', sa.Integer(), nullable=False),
    sa.Column('rows_updated', sa.Integer(), nullable=False),
    sa.Column('rows_unchanged', sa.Integer(), nullable=False),
    sa.Column('rows_quarantined', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ingest_runs'))
    )
    with op.batch_alter_table('ingest_runs', schema=None) as batch_op:
        batch_op.create_index('ix_ingest_runs_source', ['source_system', 'source_name'], unique=False)

    op.create_table('links',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('source_system', sa.String(length=80), nullable=False),
    sa.Column('source_key', sa.String(length=200), nullable=False),
    sa.Column('source_version', sa.Integer(), nullable=False),
    sa.Column('subject_type', sa.String(length=10), nullable=False),
    sa.Column('subject_id', sa.String(length=40), nullable=False),
    sa.Column('role', sa.String(length=40), nullable=False),
    sa.Column('object_type', sa.String(length=10), nullable=False),
    sa.Column('object_id', sa.String(length=40), nullable=False),
    sa.Column('ingested_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_links'))
    )
    with op.batch_alter_table('links', schema=None) as batch_op:
        batch_op.create_index('ix_links_object', ['object_id'], unique=False)
        batch_op.create_index('ix_links_source', ['source_system', 'source_key'], unique=False)
        batch_op.create_index('ix_links_subject', ['subject_id'], unique=False)

    op.create_table('locations',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('source_system', sa.String(length=80), nullable=False),
    sa.Column('natural_key', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('postcode', sa.String(length=12), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('x', sa.Float(), nullable=True),
    sa.Column('y', sa.Float(), nullable=True),
    sa.Column('area_code', sa.String(length=40), nullable=True),
    sa.Column('source_key', sa.String(length=200), nullable=False),
    sa.Column('source_version', sa.Integer(), nullable=False),
    sa.Column('ingested_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_locations'))
    )
    op.create_table('objects',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('source_system', sa.String(length=80), nullable=False),
    sa.Column('natural_key', sa.String(length=200), nullable=False),
    sa.Column('source_key', sa.String(length=200), nullable=False),
    sa.Column('source_version', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('identifier', sa.String(length=120), nullable=True),
    sa.Column('make', sa.String(length=80), nullable=True),
    sa.Column('model', sa.String(length=80), nullable=True),
    sa.Column('colour', sa.String(length=40), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('attributes', sa.JSON(), nullable=True),
    sa.Column('ingested_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_objects'))
    )
    with op.batch_alter_table('objects', schema=None) as batch_op:
        batch_op.create_index('ix_objects_identifier', ['kind', 'identifier'], unique=False)

    op.create_table('persons',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('source_system', sa.String(length=80), nullable=False),
    sa.Column('natural_key', sa.String(length=200), nullable=False),
    sa.Column('source_key', sa.String(length=200), nullable=False),
    sa.Column('source_version', sa.Integer(), nullable=False),
    sa.Column('forename', sa.String(length=120), nullable=True),
    sa.Column('surname', sa.String(length=120), nullable=True),
    sa.Column('full_name', sa.String(length=250), nullable=True),
    sa.Column('dob', sa.Date(), nullable=True),
    sa.Column('gender', sa.String(length=30), nullable=True),
    sa.Column('ethnicity', sa.String(length=120), nullable=True),
    sa.Column('age_range', sa.String(length=20), nullable=True),
    sa.Column('attributes', sa.JSON(), nullable=True),
    sa.Column('ingested_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_persons'))
    )
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.create_index('ix_persons_surname', ['surname'], unique=False)

    op.create_table('store_meta',
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_store_meta'))
    )
    op.create_table('events',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('source_system', sa.String(length=80), nullable=False),
    sa.Column('natural_key', sa.String(length=200), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('event_type', sa.String(length=20), nullable=False),
    sa.Column('category', sa.String(length=120), nullable=False),
    sa.Column('subcategory', sa.String(length=200), nullable=True),
    sa.Column('time_from', sa.DateTime(timezone=True), nullable=False),
    sa.Column('time_to', sa.DateTime(timezone=True), nullable=False),
    sa.Column('time_precision', sa.String(length=10), nullable=False),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('x', sa.Float(), nullable=True),
    sa.Column('y', sa.Float(), nullable=True),
    sa.Column('location_id', sa.String(length=40), nullable=True),
    sa.Column('location_text', sa.Text(), nullable=True),
    sa.Column('area_code', sa.String(length=40), nullable=True),
    sa.Column('area_name', sa.Text(), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.Column('force', sa.String(length=120), nullable=True),
    sa.Column('attributes', sa.JSON(), nullable=True),
    sa.Column('ingested_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['location_id'], ['locations.id'], name=op.f('fk_events_location_id_locations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events'))
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index('ix_events_category_time', ['category', 'time_from'], unique=False)
        batch_op.create_index('ix_events_time', ['time_from'], unique=False)

    op.create_table('quarantine',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('source_system', sa.String(length=80), nullable=False),
    sa.Column('source_name', sa.Text(), nullable=False),
    sa.Column('line_number', sa.Integer(), nullable=False),
    sa.Column('reason_code', sa.String(length=40), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('raw', sa.Text(), nullable=False),
    sa.Column('raw_hash', sa.String(length=32), nullable=False),
    sa.Column('quarantined_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['ingest_runs.id'], name=op.f('fk_quarantine_run_id_ingest_runs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quarantine')),
    sa.UniqueConstraint('source_system', 'source_name', 'line_number', 'raw_hash', name=op.f('uq_quarantine_source_system_source_name_line_number_raw_hash'))
    )
    with op.batch_alter_table('quarantine', schema=None) as batch_op:
        batch_op.create_index('ix_quarantine_reason', ['reason_code'], unique=False)

    op.create_table('source_records',
    sa.Column('source_system', sa.String(length=80), nullable=False),
    sa.Column('natural_key', sa.String(length=200), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=32), nullable=False),
    sa.Column('raw', sa.Text(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('line_number', sa.Integer(), nullable=True),
    sa.Column('ingested_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['ingest_runs.id'], name=op.f('fk_source_records_run_id_ingest_runs')),
    sa.PrimaryKeyConstraint('natural_key', 'source_system', 'version', name=op.f('pk_source_records'))
    )
    op.create_table('event_areas',
    sa.Column('event_id', sa.String(length=40), nullable=False),
    sa.Column('area_id', sa.String(length=40), nullable=False),
    sa.Column('scheme', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_event_areas_area_id_areas')),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_areas_event_id_events')),
    sa.PrimaryKeyConstraint('event_id', 'area_id', name=op.f('pk_event_areas'))
    )
    with op.batch_alter_table('event_areas', schema=None) as batch_op:
        batch_op.create_index('ix_event_areas_area', ['area_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('event_areas', schema=None) as batch_op:
        batch_op.drop_index('ix_event_areas_area')

    op.drop_table('event_areas')
    op.drop_table('source_records')
    with op.batch_alter_table('quarantine', schema=None) as batch_op:
        batch_op.drop_index('ix_quarantine_reason')

    op.drop_table('quarantine')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_time')
        batch_op.drop_index('ix_events_category_time')

    op.drop_table('events')
    op.drop_table('store_meta')
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.drop_index('ix_persons_surname')

    op.drop_table('persons')
    with op.batch_alter_table('objects', schema=None) as batch_op:
        batch_op.drop_index('ix_objects_identifier')

    op.drop_table('objects')
    op.drop_table('locations')
    with op.batch_alter_table('links', schema=None) as batch_op:
        batch_op.drop_index('ix_links_subject')
        batch_op.drop_index('ix_links_source')
        batch_op.drop_index('ix_links_object')

    op.drop_table('links')
    with op.batch_alter_table('ingest_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_ingest_runs_source')

    op.drop_table('ingest_runs')
    op.drop_table('areas')
