"""Database engine, schema and migrations."""

from peelian.db.engine import make_engine, require_current, store_crs, upgrade

__all__ = ["make_engine", "require_current", "store_crs", "upgrade"]
