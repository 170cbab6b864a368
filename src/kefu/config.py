"""One Settings object, read from `KEFU_*` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KEFU_", extra="ignore")

    data_dir: Path = Field(
        default=Path("./kefu-data"),
        description="Where the embedded SQLite database and the attachment store live.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default is SQLite in KEFU_DATA_DIR. Scale mode: "
        "postgresql+psycopg://user@host:5432/db",
    )
    redis_url: str | None = Field(
        default=None, description="Redis URL for event fan-out across processes (scale mode)."
    )
    policy_dir: Path | None = Field(
        default=None, description="A directory with the operator's own policy TOML files."
    )
    blob_dir: Path | None = Field(
        default=None, description="Attachment store; default KEFU_DATA_DIR/blobs."
    )
    max_attachment_bytes: int = Field(
        default=20 * 1024 * 1024, description="Largest single upload accepted by the API."
    )
    redis_channel: str = Field(
        default="kefu:events", description="Redis pub/sub channel for domain events."
    )
    db_pool_size: int = Field(default=10, description="Connections per process (PostgreSQL).")

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'kefu.sqlite3').resolve()}"

    @property
    def resolved_blob_dir(self) -> Path:
        return self.blob_dir or self.data_dir / "blobs"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")
