"""Email intake benchmark: SMTP in → ticket visible through the API, on SQLite and PostgreSQL.

What it measures
    For each mode a fresh database is migrated, an admin token created, and ``kefu serve``
    started in a subprocess (uvicorn + the SMTP listener + the email worker). After a
    warm-up (uncounted mails, then waiting until the server's CPU is idle: the triage
    classifier trains in the background on a first start), ``--concurrency`` smtplib
    clients send ``--mails`` mails over persistent SMTP connections, each with a UID
    subject and a body (and ``--attachment-kb`` of PNG attachment when asked). It reports

    - accepted/s: mails answered 250 per second (stored durably, not yet tickets), with
      p50/p99 of the DATA → 250 latency;
    - end-to-end/s: mails per second from the first MAIL FROM until the last of them is a
      ticket listed by ``GET /api/v1/tickets?channel=email`` (what an agent sees);
    - peak RSS of the server process during the counted run, and its CPU seconds.

Modes
    ``sqlite``    embedded mode, database in a fresh ``KEFU_DATA_DIR``
    ``postgres``  PostgreSQL in a fresh schema ``bench_<random>`` (dropped at the end);
                  skipped with a message when PostgreSQL cannot be reached

How to run (repository root, project virtualenv)::

    python bench/email.py                               # 1000 mails, 8 clients, both modes
    python bench/email.py --modes sqlite --mails 300
    python bench/email.py --attachment-kb 200           # with a screenshot each
    python bench/email.py --workers 2                   # two intake threads (default 1)

Exit status: 0 on success, 1 when a server fails or a mail is lost or doubled, 2 on bad
usage. Figures depend on the machine; no test asserts on them.
"""

from __future__ import annotations

# `bench/email.py` would shadow the standard library's `email` for every script run from
# this folder (sys.path[0]); take the folder off the path before anything imports it.
import sys as _sys
from pathlib import Path as _Path

_here = _Path(__file__).resolve().parent
_sys.path[:] = [p for p in _sys.path if _Path(p or ".").resolve() != _here]

import argparse
import os
import secrets
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from pathlib import Path

import httpx
import psutil  # type: ignore[import-untyped,unused-ignore]

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
WARMUP = 20
BODY = "时间线：3月1日晚上账号被封。\n证据：见截图。\n诉求：申请解封，谢谢。\n" * 3


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_mail(n: int, tag: str, attachment: bytes) -> tuple[str, bytes]:
    m = EmailMessage()
    m["From"] = f"user{n}@example.com"
    m["To"] = "feedback@kefu.test"
    m["Subject"] = f"UID{20_000_000 + n}_账号解封 {tag}-{n}"
    m["Message-ID"] = f"<bench-{tag}-{n}@example.com>"
    m.set_content(BODY)
    if attachment:
        m.add_attachment(attachment, maintype="image", subtype="png", filename="截图.png")
    return f"user{n}@example.com", m.as_bytes(policy=policy.SMTP)  # CRLF line ends


@dataclass
class Result:
    mode: str
    mails: int
    accept_s: float = 0.0
    visible_s: float = 0.0
    latencies: list[float] = field(default_factory=list)
    peak_rss: int = 0
    server_cpu: float = 0.0
    lost: int = 0
    doubled: int = 0

    def pct(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[max(0, int(p / 100 * len(ordered)) - 1)] * 1000 if ordered else float("nan")


class Server:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.http, self.smtp = free_port(), free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    def cli(self, *args: str) -> str:
        out = subprocess.run(
            [sys.executable, "-m", "kefu", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if out.returncode != 0:
            raise RuntimeError(f"kefu {' '.join(args)} failed:\n{out.stderr[-2000:]}")
        return out.stdout

    def start(self) -> None:
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
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("kefu serve exited:\n" + self.log.read_text()[-3000:])
            try:
                httpx.get(f"http://127.0.0.1:{self.http}/healthz", timeout=1)
                with smtplib.SMTP("127.0.0.1", self.smtp, timeout=2):
                    return
            except (httpx.HTTPError, OSError):
                time.sleep(0.1)
        raise RuntimeError("kefu serve did not come up")

    def wait_idle(self, limit: float = 180.0) -> None:
        """Until the server uses < 10% of a core for a second (classifier warm-up)."""
        assert self.proc is not None
        p = psutil.Process(self.proc.pid)
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline and p.cpu_percent(interval=1.0) > 10:
            pass

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def send_all(port: int, mails: list[tuple[str, bytes]], clients: int) -> list[float]:
    latencies: list[float] = []
    lock = threading.Lock()
    errors: list[str] = []

    def run(chunk: list[tuple[str, bytes]]) -> None:
        with smtplib.SMTP("127.0.0.1", port, timeout=60) as s:
            for sender, raw in chunk:
                t0 = time.perf_counter()
                try:
                    s.sendmail(sender, ["feedback@kefu.test"], raw)
                except smtplib.SMTPException as exc:
                    errors.append(str(exc))
                    continue
                with lock:
                    latencies.append(time.perf_counter() - t0)

    threads = [threading.Thread(target=run, args=(mails[i::clients],)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(f"{len(errors)} mails refused, e.g. {errors[0]}")
    return latencies


def email_subjects(base: str, token: str) -> list[str]:
    subjects: list[str] = []
    cursor = None
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as c:
        while True:
            params: dict[str, object] = {"channel": "email", "limit": 200}
            if cursor:
                params["cursor"] = cursor
            page = c.get("/api/v1/tickets", params=params, timeout=60).json()
            subjects += [t["subject"] for t in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                return subjects


def wait_processed(base: str, token: str, total: int, limit: float = 600.0) -> None:
    deadline = time.monotonic() + limit
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as c:
        while time.monotonic() < deadline:
            stats = c.get("/api/v1/email/stats", timeout=30).json()["inbound"]
            if stats.get("processed", 0) + stats.get("failed", 0) >= total:
                return
            time.sleep(0.05)
    raise RuntimeError("mails were not processed in time")


def run_mode(mode: str, args: argparse.Namespace, pg_url: str) -> Result | None:
    workdir = Path(tempfile.mkdtemp(prefix=f"kefu-bench-email-{mode}-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")}
    env |= {
        "KEFU_DATA_DIR": str(workdir / "data"),
        "KEFU_SMTP_DOMAINS": "kefu.test",
        "KEFU_SMTP_WORKERS": str(args.workers),
    }
    schema = None
    if mode == "postgres":
        try:
            import psycopg

            schema = f"bench_{secrets.token_hex(6)}"
            with psycopg.connect(pg_url.replace("+psycopg", ""), autocommit=True) as conn:
                conn.execute(f'CREATE SCHEMA "{schema}"')
        except Exception as exc:
            print(f"postgres: skipped ({type(exc).__name__}: {exc})")
            return None
        env["KEFU_DATABASE_URL"] = f"{pg_url}?options=-csearch_path%3D{schema}"
    server = Server(env, workdir / "server.log")
    result = Result(mode, args.mails)
    attachment = os.urandom(args.attachment_kb * 1024) if args.attachment_kb else b""
    try:
        server.cli("db", "upgrade")
        token = server.cli("user", "create", "--role", "admin", "--name", "bench").split()[-1]
        server.start()
        base = f"http://127.0.0.1:{server.http}"
        send_all(server.smtp, [make_mail(n, "warm", b"") for n in range(WARMUP)], 2)
        wait_processed(base, token, WARMUP)
        server.wait_idle()
        mails = [make_mail(n, "run", attachment) for n in range(args.mails)]
        proc = psutil.Process(server.proc.pid)  # type: ignore[union-attr]
        cpu0 = proc.cpu_times()
        peak = [proc.memory_info().rss]
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                try:
                    peak[0] = max(peak[0], proc.memory_info().rss)
                except psutil.Error:  # the server is gone: the run has failed anyway
                    return
                stop.wait(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        t0 = time.perf_counter()
        try:
            result.latencies = send_all(server.smtp, mails, args.concurrency)
            result.accept_s = time.perf_counter() - t0
            wait_processed(base, token, WARMUP + args.mails)
            subjects = email_subjects(base, token)
            result.visible_s = time.perf_counter() - t0
        finally:
            stop.set()
            sampler.join()
        cpu1 = proc.cpu_times()
        result.server_cpu = (cpu1.user + cpu1.system) - (cpu0.user + cpu0.system)
        result.peak_rss = peak[0]
        counted = Counter(s for s in subjects if " run-" in s)
        result.lost = args.mails - len(counted)
        result.doubled = sum(n - 1 for n in counted.values() if n > 1)
    finally:
        server.stop()
        if schema is not None:
            import psycopg

            with psycopg.connect(pg_url.replace("+psycopg", ""), autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mails", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--modes", default="sqlite,postgres")
    parser.add_argument("--attachment-kb", type=int, default=0)
    parser.add_argument(
        "--workers", type=int, default=1, help="KEFU_SMTP_WORKERS of the server (default 1)"
    )
    parser.add_argument(
        "--postgres-url", default=os.environ.get("KEFU_BENCH_PG_URL", DEFAULT_POSTGRES_URL)
    )
    args = parser.parse_args()
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if not modes or any(m not in ("sqlite", "postgres") for m in modes) or args.mails < 1:
        parser.error("--modes takes sqlite and/or postgres; --mails must be positive")
    print(
        f"email bench: {args.mails} mails, {args.concurrency} SMTP clients, "
        f"attachment {args.attachment_kb} KB, {args.workers} intake threads, "
        f"{os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f} (wall-clock figures need a quiet machine; "
        "server CPU ms per mail does not)"
    )
    print(
        f"{'mode':<9} {'accepted/s':>10} {'p50 ms':>7} {'p99 ms':>7} {'end-to-end/s':>12} "
        f"{'peak RSS MB':>11} {'CPU ms/mail':>11} {'lost':>4} {'doubled':>7}"
    )
    failed = False
    for mode in modes:
        try:
            r = run_mode(mode, args, args.postgres_url)
        except RuntimeError as exc:
            print(f"{mode}: failed: {exc}")
            failed = True
            continue
        if r is None:
            continue
        print(
            f"{r.mode:<9} {r.mails / r.accept_s:>10.1f} {r.pct(50):>7.1f} {r.pct(99):>7.1f} "
            f"{r.mails / r.visible_s:>12.1f} {r.peak_rss / 2**20:>11.1f} "
            f"{1000 * r.server_cpu / r.mails:>11.1f} {r.lost:>4} {r.doubled:>7}"
        )
        failed = failed or bool(r.lost or r.doubled)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
