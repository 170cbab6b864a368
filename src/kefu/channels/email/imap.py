"""The IMAP poller (`kefu email poll`), for operators whose support mail lives in a mailbox.

Each poll logs in, selects the folder and fetches, with BODY.PEEK[] (so the mailbox's own
read marks are untouched), every message not yet flagged with the keyword `KefuIngested`.
A message is flagged — or moved, with `KEFU_IMAP_MOVE_TO` — only after it is stored
durably; a crash in between fetches it again next time, and its Message-ID makes the
second copy a no-op. Servers that refuse custom keywords get `\\Seen` instead.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Callable
from dataclasses import dataclass

from imapclient import IMAPClient

log = logging.getLogger(__name__)

FLAG = b"KefuIngested"
BATCH = 25


@dataclass(frozen=True)
class ImapConfig:
    host: str
    port: int = 993
    user: str = ""
    password: str = ""
    use_ssl: bool = True
    folder: str = "INBOX"
    move_to: str | None = None
    timeout: float = 60.0


class ImapPoller:
    def __init__(self, config: ImapConfig, store: Callable[[bytes], object]) -> None:
        self.config, self.store = config, store

    def _client(self) -> IMAPClient:
        c = self.config
        context = ssl.create_default_context() if c.use_ssl else None
        client = IMAPClient(
            c.host, port=c.port, ssl=c.use_ssl, ssl_context=context, timeout=c.timeout
        )
        client.login(c.user, c.password)
        return client

    def poll_once(self) -> int:
        """Store every new message of the folder; return how many were stored."""
        stored = 0
        client = self._client()
        try:
            selected = client.select_folder(self.config.folder)
            flags = selected.get(b"PERMANENTFLAGS", ())
            keywords = b"\\*" in flags
            criteria = ["NOT", "KEYWORD", FLAG.decode()] if keywords else ["UNSEEN"]
            uids = client.search(criteria)
            for start in range(0, len(uids), BATCH):
                chunk = uids[start : start + BATCH]
                fetched = client.fetch(chunk, ["BODY.PEEK[]"])
                done = []
                for uid in chunk:
                    raw = fetched.get(uid, {}).get(b"BODY[]")
                    if not isinstance(raw, bytes):
                        continue
                    self.store(raw)  # raises → this message stays unflagged, tried again
                    done.append(uid)
                    stored += 1
                if done:
                    client.add_flags(done, [FLAG] if keywords else [b"\\Seen"])
                    if self.config.move_to:
                        client.move(done, self.config.move_to)
        finally:
            try:
                client.logout()
            except Exception:
                log.debug("IMAP logout failed", exc_info=True)
        return stored
