"""Settings from PEELIAN_* environment variables (or a .env file)."""

import os
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
    cookie_secure: bool = Field(default=True, description="Send session cookies over HTTPS only")
    idle_minutes: int = Field(default=30, ge=1, le=24 * 60, description="Sign out after this idle time")
    tile_url: str | None = Field(
        default=None, description="Map tile URL template; without one, maps draw the loaded boundaries"
    )
    max_upload_bytes: int = Field(default=50 * 1024**2, description="Largest accepted request body")
    web_threads: int = Field(
        default=os.cpu_count() or 1,
        ge=1,
        le=64,
        description="Threads per server process for database work; past the cores they fight over "
        "Python's lock (50 clients, 2 cores, 1 process: 214 requests/s with 2 threads, 130 with 40)",
    )
    shared_data: Path = Field(
        default=Path("../shared/data"), description="Shared public data (benchmarks, tests)"
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
