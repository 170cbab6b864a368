"""Durability: `kefu serve` killed with SIGKILL in the middle of 500 mails loses none that
got 250 and doubles none (the senders retry what was cut off, as mail servers do)."""

from __future__ import annotations

import contextlib
import os
import signal
import smtplib
import subprocess
import sys
import threading
import time
from collections import Counter
from email import policy
from pathlib import Path
from typing import Any

import httpx
import pytest

from kefu.bootstrap import Container
from kefu.config import Settings
from kefu.services.users import create_user
from tests.integration.email_support import FEEDBACK, free_port, mail

MAILS = 500
SENDERS = 4
KILL_AFTER = 200
DEADLINE = 240.0


class Server:
    def __init__(self, settings: Settings, log: Path) -> None:
        self.http, self.smtp = free_port(), free_port()
        self.env = {
            **os.environ,
            "KEFU_DATA_DIR": str(settings.data_dir),
            "KEFU_SMTP_DOMAINS": "kefu.test",
        }
        for name, value in (
            ("KEFU_DATABASE_URL", settings.database_url),
            ("KEFU_REDIS_URL", settings.redis_url),
            ("KEFU_REDIS_CHANNEL", settings.redis_channel),
        ):
            if value:
                self.env[name] = value
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        out = self.log.open("ab")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "kefu",
                "serve",
                "--port",
                str(self.http),
                "--smtp-port",
                str(self.smtp),
            ],
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log.read_text()[-3000:]
            try:
                httpx.get(f"http://127.0.0.1:{self.http}/healthz", timeout=1)
                with smtplib.SMTP("127.0.0.1", self.smtp, timeout=2):
                    return
            except (httpx.HTTPError, OSError):
                time.sleep(0.1)
        raise AssertionError("kefu serve did not come up:\n" + self.log.read_text()[-3000:])

    def kill(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


class Sender(threading.Thread):
    """Sends its mails over one connection; on a broken connection it reconnects and sends
    the same mail again (same Message-ID) until it is answered 250."""

    def __init__(self, port: int, numbers: list[int], acked: list[int]) -> None:
        super().__init__(daemon=True)
        self.port, self.numbers, self.acked = port, numbers, acked
        self.retries = 0

    def run(self) -> None:
        conn: smtplib.SMTP | None = None
        deadline = time.monotonic() + DEADLINE
        for n in self.numbers:
            raw = mail(
                f"UID{10_000_000 + n}_账号解封 第{n}封", message_id=f"<crash-{n}@example.com>"
            )
            data = raw.as_bytes(policy=policy.SMTP)
            while time.monotonic() < deadline:
                try:
                    if conn is None:
                        conn = smtplib.SMTP("127.0.0.1", self.port, timeout=10)
                    conn.sendmail(f"user{n}@example.com", [FEEDBACK], data)
                    self.acked.append(n)
                    break
                except (smtplib.SMTPException, OSError):
                    self.retries += 1
                    conn = None
                    time.sleep(0.05)
        if conn is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                conn.quit()


def email_tickets(base: str, token: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as client:
        while True:
            params: dict[str, Any] = {"channel": "email", "limit": 200}
            if cursor:
                params["cursor"] = cursor
            page = client.get("/api/v1/tickets", params=params, timeout=30).json()
            items += page["items"]
            cursor = page["next_cursor"]
            if not cursor:
                return items


@pytest.mark.slow
def test_sigkill_midway_loses_no_accepted_mail_and_doubles_none(
    settings: Settings, container: Container, tmp_path: Path
) -> None:
    token = create_user(container.ctx, "admin", "crash-test")[1]
    server = Server(settings, tmp_path / "server.log")
    server.start()
    acked: list[int] = []
    senders = [Sender(server.smtp, list(range(i, MAILS, SENDERS)), acked) for i in range(SENDERS)]
    try:
        for s in senders:
            s.start()
        deadline = time.monotonic() + DEADLINE
        while len(acked) < KILL_AFTER and time.monotonic() < deadline:
            time.sleep(0.01)
        server.kill()  # SIGKILL: no shutdown of any kind
        killed_at = len(acked)
        server.start()  # same ports, same database
        for s in senders:
            s.join(DEADLINE)
        assert sorted(acked) == list(range(MAILS)), f"{len(acked)} of {MAILS} acknowledged"
        base = f"http://127.0.0.1:{server.http}"
        headers = {"Authorization": f"Bearer {token}"}
        while time.monotonic() < deadline:  # until the restarted worker has caught up
            stats = httpx.get(f"{base}/api/v1/email/stats", headers=headers, timeout=30).json()
            if stats["inbound"].get("processed", 0) >= MAILS:
                break
            time.sleep(0.2)
        tickets = email_tickets(base, token)
    finally:
        server.stop()
    subjects = Counter(t["subject"] for t in tickets)
    doubled = [s for s, n in subjects.items() if n > 1]
    assert not doubled, f"doubled: {doubled[:5]}"
    missing = {f"UID{10_000_000 + n}_账号解封 第{n}封" for n in acked} - set(subjects)
    assert not missing, f"{len(missing)} acknowledged mails are not tickets: {sorted(missing)[:5]}"
    assert len(tickets) == MAILS
    assert KILL_AFTER <= killed_at < MAILS  # the kill really was partway
    assert sum(s.retries for s in senders) > 0  # and it really cut senders off
