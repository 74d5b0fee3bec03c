from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from peelian.db.engine import alembic_config, current_revision, head_revision
from peelian.db.schema import declared_in_metadata, metadata


def test_migrations_build_exactly_the_declared_schema(store):
    """The schema in code and the migrations agree, on both backends, and downgrade cleanly."""
    with store.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": declared_in_metadata})
        assert compare_metadata(context, metadata) == []
    command.downgrade(alembic_config(store), "base")
    assert current_revision(store) is None
    command.upgrade(alembic_config(store), "head")
    assert current_revision(store) == head_revision()
