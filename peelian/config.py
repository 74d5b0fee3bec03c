"""Settings from PEELIAN_* environment variables (or a .env file)."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PEELIAN_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///./peelian.db",
        description="SQLAlchemy URL: sqlite:///path.db or postgresql+psycopg://user@host/db",
    )
    crs: str = Field(
        default="EPSG:27700",
        description="Projected CRS (metres or feet) used for grids and distances; fixed per store",
    )
    chunk_size: int = Field(default=50_000, ge=100, le=1_000_000, description="Rows per ingest transaction")
    max_file_bytes: int = Field(
        default=4 * 1024**3, description="Refuse source files larger than this (bytes, uncompressed)"
    )
    shared_data: Path = Field(
        default=Path("../shared/data"), description="Shared public data (benchmarks, tests)"
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
