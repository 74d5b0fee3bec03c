"""Settings from PEELIAN_* environment variables (or a .env file)."""

import os
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator
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
    road_network: Path | None = Field(
        default=None,
        description="Road graph for unit arrival times (CSV edge list or GraphML, store-CRS metres); "
        "without one, straight-line distance with a circuity and speed model",
    )
    portal_exit_url: str = Field(
        default="https://www.bbc.co.uk/weather",
        pattern="^(https?://|/)",
        description="Where the public portal's quick-exit button goes: a neutral page",
    )
    max_upload_bytes: int = Field(default=50 * 1024**2, description="Largest accepted request body")
    evidence_dir: Path = Field(
        default=Path("./evidence"),
        description="Where original footage is kept, unaltered, under its SHA-256 (with uploads in "
        "progress in its staging/ folder: one file system, so a finished file is linked in, not copied)",
    )
    max_video_bytes: int = Field(
        default=20 * 1024**3, ge=1, description="Largest video file accepted, in bytes (default 20 GiB)"
    )
    video_models_dir: Path = Field(
        default=Path("./models"),
        description="ONNX detection models for CCTV analysis, each NAME.onnx beside its model card NAME.toml",
    )
    web_threads: int = Field(
        default=os.cpu_count() or 1,
        ge=1,
        le=64,
        description="Threads per server process for database work; past the cores they fight over "
        "Python's lock (50 clients, 2 cores, 1 process: 214 requests/s with 2 threads, 130 with 40)",
    )
    timezone: str = Field(
        default="Europe/London",
        description="The force's local time zone (IANA name): forecast days, weeks and shifts start at "
        "local midnight and shift times, as patrols work them",
    )
    resolve_backend: str = Field(
        default="duckdb",
        pattern="^(duckdb|spark)$",
        description="Splink engine for entity resolution: duckdb (in process) or spark (a cluster, "
        "or local mode; needs pyspark and Java)",
    )
    resolve_memory_gb: float = Field(
        default=4.0, gt=0, description="Memory DuckDB may use for entity resolution before spilling to disk"
    )
    shared_data: Path = Field(
        default=Path("../shared/data"), description="Shared public data (benchmarks, tests)"
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}: use an IANA name such as Europe/London") from None
        return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
