"""`kefu email poll` against a real IMAP server: Debian's dovecot, on loopback.

The fixture runs its own dovecot in the foreground with a generated configuration in a
temporary directory, on a free port, with one mailbox user; nothing of the machine's own
mail setup is used or changed. `.ci/run` installs dovecot-imapd when it is missing.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from imapclient import IMAPClient

from kefu.config import Settings
from tests.conftest import Api, RoleClient
from tests.integration.email_support import (  # noqa: F401  (fixtures)
    FEEDBACK,
    Sink,
    free_port,
    mail,
    sink_fixture,
)

DOVECOT = shutil.which("dovecot") or (
    "/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None
)
USER, PASSWORD = "kefu", "s3cret-imap"

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
{users}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}{login_user}
}}
"""


@dataclass
class Dovecot:
    port: int
    root: Path

    def client(self) -> IMAPClient:
        c = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=10)
        c.login(USER, PASSWORD)
        return c


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    if DOVECOT is None:
        if os.environ.get("CI"):
            pytest.fail("dovecot is not installed: .ci/run installs dovecot-imapd")
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd)")
    root = Path(tempfile.mkdtemp(prefix="kefu-dovecot-"))
    root.chmod(0o755)
    for sub in ("run", "state", "home"):
        (root / sub).mkdir()
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    if os.geteuid() == 0:  # dovecot refuses mail access as root: the mailbox is nobody's
        uid = gid = 65534
        os.chown(root / "home", uid, gid)
        users, login_user = "", ""
    else:
        uid, gid = os.getuid(), os.getgid()
        me = pwd.getpwuid(uid).pw_name
        users = f"default_internal_user = {me}\ndefault_login_user = {me}\n"
        login_user = "\n  chroot ="
    port = free_port()
    (root / "dovecot.conf").write_text(
        CONFIG.format(root=root, uid=uid, gid=gid, port=port, users=users, login_user=login_user)
    )
    proc = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(root / "dovecot.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    server = Dovecot(port, root)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                server.client().logout()
                break
            except (OSError, IMAPClient.Error):
                log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
                if proc.poll() is not None or time.monotonic() > deadline:
                    err = proc.stderr.read().decode() if proc.stderr else ""
                    pytest.fail(f"dovecot did not start: {err}\n{log[-2000:]}")
                time.sleep(0.1)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(root, ignore_errors=True)


PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 80


def test_poll_turns_a_mailbox_into_tickets_once(
    dovecot: Dovecot, settings: Settings, sink: Sink, api: Api, admin: RoleClient
) -> None:
    first = mail("UID90000001_账号解封", attachments=[("截图.png", "image/png", PNG)],
                 message_id="<imap-1@example.com>")  # fmt: skip
    first["Return-Path"] = "<alice@example.com>"
    second = mail("我的账号登不上", sender="bob@example.com", message_id="<imap-2@example.com>")
    second["Return-Path"] = "<bob@example.com>"
    bulk = mail("本周新闻", sender="news@example.com", headers={"Precedence": "bulk"})
    with dovecot.client() as c:  # what a delivery agent does: APPEND to INBOX
        for m in (first, second, bulk, first):  # the first one twice
            c.append("INBOX", m.as_bytes())
    env = {
        **os.environ,
        "KEFU_DATA_DIR": str(settings.data_dir),
        "KEFU_SMTP_DOMAINS": "kefu.test",
        "KEFU_SMTP_SMARTHOST": f"127.0.0.1:{sink.controller.port}",
        "KEFU_IMAP_HOST": "127.0.0.1",
        "KEFU_IMAP_PORT": str(dovecot.port),
        "KEFU_IMAP_USER": USER,
        "KEFU_IMAP_PASSWORD": PASSWORD,
        "KEFU_IMAP_SSL": "false",
    }
    for name, value in (
        ("KEFU_DATABASE_URL", settings.database_url),
        ("KEFU_REDIS_URL", settings.redis_url),
        ("KEFU_REDIS_CHANNEL", settings.redis_channel),
    ):
        if value:
            env[name] = value
    poll = [sys.executable, "-m", "kefu", "email", "poll", "--once"]
    out = subprocess.run(poll, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "4 new mails stored" in out.stdout

    tickets = admin.get("/api/v1/tickets?channel=email").json()["items"]
    assert sorted(t["customer"]["uid"] for t in tickets)[-1] == "UID90000001"
    assert len(tickets) == 3  # the duplicate Message-ID is no second ticket
    alice = next(t for t in tickets if t["customer"]["uid"] == "UID90000001")
    assert "email-screenshots" in alice["sla"]["policy"]
    inbound = admin.get("/api/v1/email/inbound").json()["items"]
    assert {i["source"] for i in inbound} == {"imap"}
    assert sum(i["times_seen"] for i in inbound) == 4
    assert len(sink.to("alice@example.com")) == 1  # acknowledged
    (help_reply,) = sink.to("bob@example.com")  # to the Return-Path
    assert "UID12345678_账号解封" in help_reply.get_content()
    assert sink.to("news@example.com") == []  # bulk mail gets no answer

    with dovecot.client() as c:  # everything is marked, nothing left unread by kefu
        c.select_folder("INBOX")
        assert len(c.search(["KEYWORD", "KefuIngested"])) == 4
        assert c.search(["SEEN"]) == []  # the mailbox's own read marks are untouched
        c.append("INBOX", mail("UID90000002_退款", message_id="<imap-3@example.com>").as_bytes())
    again = subprocess.run(poll, env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "1 new mails stored" in again.stdout
    assert len(admin.get("/api/v1/tickets?channel=email").json()["items"]) == 4


def test_poll_without_configuration_says_what_to_set(settings: Settings) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_IMAP")}
    env["KEFU_DATA_DIR"] = str(settings.data_dir)
    out = subprocess.run(
        [sys.executable, "-m", "kefu", "email", "poll", "--once"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2 and "KEFU_IMAP_HOST" in out.stderr
