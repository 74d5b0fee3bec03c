"""The one search box: searchable records, their exact-match keys, and a trigram index of terms

Names, registrations, phone numbers and postcodes are matched by 64-bit key (``search_keys``);
a misspelt name first finds the stored names within two edits of it (``search_term_keys``), and a
partial registration, phone number or postcode the stored ones containing it through a trigram
index (FTS5's trigram tokenizer on SQLite, pg_trgm on PostgreSQL); free text (addresses, MO, notes) has
a word index (FTS5 on SQLite, a tsvector GIN index on PostgreSQL). See peelian/search/index.py.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-21 15:05:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

# Must stay identical to peelian.search.index.PG_TEXT, or PostgreSQL will not use the index.
PG_TEXT = "to_tsvector('simple'::regconfig, coalesce(text, ''))"


def upgrade() -> None:
    op.create_table('search_records',
    sa.Column('rid', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('record_type', sa.String(length=10), nullable=False),
    sa.Column('record_id', sa.String(length=60), nullable=False),
    sa.Column('source_system', sa.String(length=80), nullable=False),
    sa.Column('label', sa.Text(), nullable=False),
    sa.Column('forename', sa.String(length=120), nullable=True),
    sa.Column('surname', sa.String(length=120), nullable=True),
    sa.Column('aliases', sa.Text(), nullable=True),
    sa.Column('dob', sa.String(length=10), nullable=True),
    sa.Column('postcode', sa.String(length=10), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('vrm', sa.String(length=12), nullable=True),
    sa.Column('refs', sa.Text(), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('area_code', sa.String(length=40), nullable=True),
    sa.PrimaryKeyConstraint('rid', name=op.f('pk_search_records')),
    sa.UniqueConstraint('record_type', 'record_id', name=op.f('uq_search_records_record_type_record_id'))
    )
    op.create_table('search_keys',
    sa.Column('key', sa.BigInteger(), nullable=False),
    sa.Column('rid', sa.Integer(), nullable=False)
    )
    op.create_index('ix_search_keys_key', 'search_keys', ['key', 'rid'])
    op.create_table('search_terms',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('field', sa.String(length=10), nullable=False),
    sa.Column('term', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_terms')),
    sa.UniqueConstraint('field', 'term', name=op.f('uq_search_terms_field_term'))
    )
    op.create_table('search_term_keys',
    sa.Column('key', sa.BigInteger(), nullable=False),
    sa.Column('term_id', sa.Integer(), nullable=False)
    )
    op.create_index('ix_search_term_keys_key', 'search_term_keys', ['key', 'term_id'])
    if op.get_bind().dialect.name == 'postgresql':
        found = op.get_bind().execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).first()
        if found is None:
            # In public where there is one, so dropping an application schema cannot take it away.
            has_public = op.get_bind().execute(
                sa.text("SELECT 1 FROM pg_namespace WHERE nspname = 'public'")
            ).first()
            op.execute("CREATE EXTENSION pg_trgm" + (" SCHEMA public" if has_public else ""))
        schema = op.get_bind().execute(
            sa.text("SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pg_trgm'")
        ).scalar()
        op.execute(f"CREATE INDEX ix_search_fts_terms ON search_terms USING gin (term {schema}.gin_trgm_ops)")
        op.execute(f"CREATE INDEX ix_search_fts_text ON search_records USING gin ({PG_TEXT})")
        return
    # Contentless: rowids are search_terms.id and search_records.rid; the indexer keeps them in step.
    op.execute("CREATE VIRTUAL TABLE search_fts_terms USING fts5(term, content='', tokenize='trigram')")
    op.execute(
        "CREATE VIRTUAL TABLE search_fts_text USING fts5(text, content='', "
        "tokenize='unicode61 remove_diacritics 2')"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP INDEX ix_search_fts_text")
        op.execute("DROP INDEX ix_search_fts_terms")
    else:
        op.execute("DROP TABLE search_fts_text")
        op.execute("DROP TABLE search_fts_terms")
    op.drop_table('search_term_keys')
    op.drop_table('search_terms')
    op.drop_table('search_keys')
    op.drop_table('search_records')
