"""Alembic environment: runs against the engine handed over by ``peelian.db.engine``."""

from alembic import context
from sqlalchemy import create_engine

from peelian.db.schema import declared_in_metadata, metadata

config = context.config
engine = config.attributes.get("engine")
if engine is None:  # plain `alembic` command line, e.g. autogenerate during development
    engine = create_engine(config.get_main_option("sqlalchemy.url"))

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=declared_in_metadata,
    )
    context.run_migrations()
