"""One Settings object, read from `KEFU_*` environment variables."""

from __future__ import annotations

import os
import secrets
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
    # ---- e-commerce disputes: the platform's order system ----
    orders_url: str | None = Field(
        default=None,
        description="Base URL of the order system (GET {url}/orders/{id}); unset: demo orders.",
    )
    orders_timeout: float = Field(default=5.0, description="Seconds to wait for the order system.")
    orders_token: str | None = Field(
        default=None, description="Bearer token sent to the order system, if it needs one."
    )
    # ---- email channel (policy numbers live in policies/email.toml) ----
    smtp_domains: str = Field(
        default="",
        description="Comma-separated mail domains feedback@/legal@ receive for; empty accepts "
        "those local parts at any domain.",
    )
    smtp_hostname: str = Field(
        default="kefu.localhost",
        description="Our name in the SMTP greeting and in Message-IDs of outgoing mail.",
    )
    smtp_from: str | None = Field(
        default=None,
        description="From address of replies; default the address the customer wrote to.",
    )
    smtp_smarthost: str | None = Field(
        default=None,
        description="host:port of the relay that sends replies; unset: replies are logged.",
    )
    smtp_smarthost_user: str | None = Field(default=None, description="Relay login.")
    smtp_smarthost_password: str | None = Field(default=None, description="Relay password.")
    smtp_smarthost_tls: str = Field(default="none", description="none | starttls | ssl")
    smtp_max_message_bytes: int | None = Field(
        default=None, description="SMTP SIZE limit; default limits.message_bytes of email.toml."
    )
    smtp_workers: int = Field(
        default=1, description="Threads of a process turning stored mail into tickets."
    )
    imap_host: str | None = Field(default=None, description="IMAP server `kefu email poll` reads.")
    imap_port: int = Field(default=993, description="IMAP port.")
    imap_user: str | None = Field(default=None, description="IMAP login.")
    imap_password: str | None = Field(default=None, description="IMAP password.")
    imap_ssl: bool = Field(default=True, description="IMAP over TLS (993); false: plain.")
    imap_folder: str = Field(default="INBOX", description="The folder polled.")
    imap_move_to: str | None = Field(
        default=None, description="Move ingested mail to this folder (default: flag it)."
    )
    classifier_path: Path | None = Field(
        default=None,
        description="The triage classifier's model file; default "
        "KEFU_DATA_DIR/models/classifier.pkl (trained from the shipped corpus when missing).",
    )
    classifier_cache_dir: Path | None = Field(
        default=None,
        description="Where a model trained from the shipped corpus is cached for every data "
        "directory on this machine; default $XDG_CACHE_HOME/kefu or ~/.cache/kefu.",
    )
    # ---- in-app chat and its widget (policy numbers live in policies/chat.toml) ----
    widget_secret: str | None = Field(
        default=None,
        description="Key of the embedding page's HMAC-signed widget identity "
        "(sig = hex HMAC-SHA256(key, f'{uid}.{ts}')); unset: widgets sign in with tokens only.",
    )
    widget_signature_max_age: int = Field(
        default=300, description="Seconds a signed widget identity stays valid (either way)."
    )
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Base URL customers reach kefu at (one-time rating links point there).",
    )
    # ---- web pages and signatures ----
    secret_key: str | None = Field(
        default=None,
        description="Signs session cookies and one-time links. Unset: a random key kept in "
        "KEFU_DATA_DIR/secret_key (set it, the same for every process, in scale mode).",
    )
    session_max_age: int = Field(
        default=12 * 3600, description="Seconds a web sign-in lasts without activity."
    )
    session_https_only: bool = Field(
        default=False, description="Send the session cookie over HTTPS only (production)."
    )
    default_language: str = Field(default="zh-CN", description="Pages' language: zh-CN or en.")

    @property
    def resolved_secret_key(self) -> str:
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret_key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            # O_EXCL: two processes starting together agree on the first key written.
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass
            else:
                with os.fdopen(fd, "w") as f:
                    f.write(secrets.token_urlsafe(48))
        return path.read_text().strip()

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'kefu.sqlite3').resolve()}"

    @property
    def resolved_blob_dir(self) -> Path:
        return self.blob_dir or self.data_dir / "blobs"

    @property
    def resolved_classifier_path(self) -> Path:
        return self.classifier_path or self.data_dir / "models" / "classifier.pkl"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")
