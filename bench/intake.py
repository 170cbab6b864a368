"""Ticket-intake benchmark for kefu, compared with a bare ASGI hello-world in the same run.

What it measures
    For each mode, a server is started in a subprocess (uvicorn, one worker) and driven
    over HTTP by ``--concurrency`` concurrent httpx clients sending ``--requests``
    ``POST /api/v1/tickets`` requests (after a short uncounted warm-up). It reports
    throughput (201 responses per second), p50/p99 latency, the server's peak RSS
    (process and its children, sampled every 50 ms) and the throughput as a percentage
    of a bare ASGI hello-world app (``bench/_hello_app.py``) served the same way and
    driven with the same payloads, concurrency and request count in the same run.
    It also reports the CPU used by the server and by the client during the counted run:
    with httpx the client needs several times the CPU per request of a bare uvicorn app,
    so against hello-world it can saturate a core before the server does; the default
    ``--client raw`` is a minimal asyncio HTTP/1.1 client that keeps the baseline server-bound.

Modes
    ``hello``     only the hello-world baseline (always run first in any case)
    ``sqlite``    ``kefu serve`` in embedded mode, database in a fresh ``KEFU_DATA_DIR``
    ``postgres``  ``kefu serve`` against PostgreSQL, in a fresh schema ``bench_<random>``
                  created here and dropped (CASCADE) at the end; skipped with a message
                  when PostgreSQL cannot be reached

How to run (from the repository root, in the project's virtualenv)::

    python bench/intake.py --requests 2000 --concurrency 16
    python bench/intake.py --modes sqlite --requests 500
    python bench/intake.py --modes hello
    python bench/intake.py --client httpx

Exit status is 0 on success, 1 if a server fails to start or more than 1% of the
requests of a mode fail (any response other than 201 counts as an error), 2 on bad usage.
Figures depend on the machine; compare modes only with the baseline of the same run.
"""

from __future__ import annotations

# `bench/email.py` would shadow the standard library's `email` for every script run from
# this folder (sys.path[0]); take the folder off the path before anything imports it.
import sys as _sys
from pathlib import Path as _Path

_here = _Path(__file__).resolve().parent
_sys.path[:] = [p for p in _sys.path if _Path(p or ".").resolve() != _here]

import argparse
import asyncio
import contextlib
import importlib.util
import itertools
import json
import math
import os
import platform
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

try:
    import psutil  # type: ignore[import-untyped,unused-ignore]

    HAVE_PSUTIL = True
except ImportError:  # psutil is in the dev extra; fall back to /proc
    HAVE_PSUTIL = False

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TICKETS_PATH = "/api/v1/tickets"
CUSTOMERS = 500
WARMUP_REQUESTS = 50
MAX_ERROR_RATE = 0.01
ERROR_SAMPLES = 5
RSS_INTERVAL_S = 0.05
LOG_TAIL_CHARS = 4000
ACCESS_2XX = re.compile(r'" 2\d\d( |$)')

SUBJECTS = [
    "账号被封了，申请解封",
    "订单一直没有发货",
    "退款什么时候到账？",
    "无法登录，提示密码错误",
    "直播间礼物没有到账",
    "Cannot change my phone number",
]
BODIES = [
    "我的账号昨天突然被封了，我没有违规，请帮忙看一下，谢谢。",
    "下单已经五天了，物流信息一直没有更新，麻烦查一下。",
    "申请退款已经一周了，钱还没有退回到原支付账户。",
    "换了新手机以后就登录不上了，验证码也收不到。",
    "充值后送的礼物没有显示，对方也没有收到。",
    "I moved abroad and need to update the number on my account.",
]


class BenchError(Exception):
    """A failure that stops one mode (server not starting, setup command failing)."""


@dataclass
class RunResult:
    mode: str
    requests: int
    concurrency: int
    elapsed_s: float
    ok: int
    latencies_s: list[float]
    errors: int
    error_samples: list[str] = field(default_factory=list)
    peak_rss_bytes: int | None = None
    client_cpu_s: float | None = None
    server_cpu_s: float | None = None

    @property
    def throughput(self) -> float:
        return self.ok / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def error_rate(self) -> float:
        return self.errors / self.requests if self.requests else 0.0

    def cpu_percent(self, seconds: float | None) -> float | None:
        """CPU seconds over the counted run's wall time, as % of one core."""
        if seconds is None or self.elapsed_s <= 0:
            return None
        return 100 * seconds / self.elapsed_s

    def percentile_ms(self, pct: float) -> float:
        """Nearest-rank percentile of the recorded latencies, in milliseconds."""
        if not self.latencies_s:
            return math.nan
        ordered = sorted(self.latencies_s)
        rank = max(1, math.ceil(pct / 100 * len(ordered)))
        return ordered[rank - 1] * 1000


# --------------------------------------------------------------------------- payloads


def make_payloads(count: int, offset: int = 0) -> list[bytes]:
    """JSON bodies for ticket creation, pre-encoded so the client does the same work per mode."""
    payloads: list[bytes] = []
    for n in range(offset, offset + count):
        ticket: dict[str, Any] = {
            "customer": {"uid": f"UID{10_000_000 + n % CUSTOMERS}"},
            "channel": "inapp",
            "subject": f"{SUBJECTS[n % len(SUBJECTS)]} #{n}",
            "body": BODIES[(n * 7) % len(BODIES)],
        }
        if n % 3 == 0:
            ticket["subcategory"] = "account.ban_appeal"
        payloads.append(json.dumps(ticket, ensure_ascii=False).encode("utf-8"))
    return payloads


# --------------------------------------------------------------------------- processes


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _tail(path: Path, chars: int = LOG_TAIL_CHARS) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no output captured)"
    text = text.strip()
    if not text:
        return "(empty)"
    return text if len(text) <= chars else "…" + text[-chars:]


def _log_excerpt(path: Path, lines: int = 30) -> str:
    """The last ``lines`` lines of a server log, without access-log lines of 2xx answers."""
    kept = [line for line in _tail(path, 200_000).splitlines() if not ACCESS_2XX.search(line)]
    return "\n".join(kept[-lines:]) or "(nothing but 2xx access-log lines)"


def run_cli(args: list[str], env: dict[str, str], timeout: float = 120.0) -> str:
    """Run ``python -m kefu ARGS`` with ``env``; return its stdout or raise BenchError."""
    cmd = [sys.executable, "-m", "kefu", *args]
    try:
        proc = subprocess.run(
            cmd, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"`{' '.join(cmd[1:])}` timed out after {timeout:.0f} s") from exc
    if proc.returncode != 0:
        output = "\n".join(
            f"{name}:\n{text.strip()}"
            for name, text in (("stdout", proc.stdout), ("stderr", proc.stderr))
            if text.strip()
        )
        raise BenchError(f"`{' '.join(cmd[1:])}` exited {proc.returncode}\n{output}")
    return proc.stdout


class Server:
    """A server subprocess in its own process group, with output captured to a log file."""

    def __init__(self, name: str, cmd: list[str], env: dict[str, str], port: int, log: Path):
        self.name = name
        self.cmd = cmd
        self.env = env
        self.port = port
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                self.cmd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def output(self) -> str:
        return _tail(self.log)

    def wait_ready(self, path: str, timeout: float) -> None:
        """Poll ``path`` until it answers 2xx; raise BenchError with the server's output."""
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        last = "no answer yet"
        with httpx.Client(base_url=self.base_url, timeout=2.0, trust_env=False) as client:
            while time.monotonic() < deadline:
                code = self.proc.poll()
                if code is not None:
                    raise BenchError(
                        f"{self.name} server exited with status {code} before it was ready\n"
                        f"command: {' '.join(self.cmd)}\nserver output:\n{self.output()}"
                    )
                try:
                    resp = client.get(path)
                except httpx.HTTPError as exc:
                    last = f"{type(exc).__name__}: {exc}"
                else:
                    if resp.is_success:
                        return
                    last = f"HTTP {resp.status_code}: {resp.text[:200]}"
                time.sleep(0.1)
        raise BenchError(
            f"{self.name} server not ready on {self.base_url}{path} after {timeout:.0f} s "
            f"(last: {last})\ncommand: {' '.join(self.cmd)}\nserver output:\n{self.output()}"
        )

    def stop(self) -> None:
        """SIGTERM the process group, then SIGKILL it if it has not gone within 10 s.

        The group outlives its leader while any child of the server lives, so its id cannot
        have been reused: signalling it after the leader exited reaches only our processes.
        """
        proc = self.proc
        if proc is None:
            return
        if proc.poll() is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            return
        for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)
            try:
                proc.wait(timeout=wait)
                return
            except subprocess.TimeoutExpired:
                continue


# --------------------------------------------------------------------------- memory


def _proc_children(pid: int) -> list[int]:
    """Direct and indirect children of ``pid`` read from /proc (Linux)."""
    found: list[int] = []
    todo = [pid]
    while todo:
        current = todo.pop()
        for task in Path(f"/proc/{current}/task").glob("*"):
            with contextlib.suppress(OSError, ValueError):
                kids = [int(k) for k in (task / "children").read_text().split()]
                found.extend(kids)
                todo.extend(kids)
    return found


def _proc_status_kib(pid: int, key: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def tree_rss_bytes(pid: int) -> int:
    """Current RSS of ``pid`` plus all its descendants."""
    if HAVE_PSUTIL:
        try:
            root = psutil.Process(pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            return 0
        total = 0
        for proc in procs:
            with contextlib.suppress(psutil.Error):
                total += proc.memory_info().rss
        return total
    return sum((_proc_status_kib(p, "VmRSS") or 0) * 1024 for p in [pid, *_proc_children(pid)])


def tree_cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds used so far by ``pid`` and its live descendants."""
    if HAVE_PSUTIL:
        try:
            root = psutil.Process(pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            return None
        total = 0.0
        for proc in procs:
            with contextlib.suppress(psutil.Error):
                times = proc.cpu_times()
                total += times.user + times.system
        return total
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for p in [pid, *_proc_children(pid)]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


class RssSampler(threading.Thread):
    """Samples the RSS of a process tree every ``interval`` seconds and keeps the peak."""

    def __init__(self, pid: int, interval: float = RSS_INTERVAL_S):
        super().__init__(name=f"rss-{pid}", daemon=True)
        self.pid = pid
        self.interval = interval
        self.peak = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.peak = max(self.peak, tree_rss_bytes(self.pid))
            self._stop_event.wait(self.interval)

    def finish(self) -> int:
        """Stop sampling; return the peak, raised to the root's VmHWM (exact high-water mark)."""
        self._stop_event.set()
        self.join()
        self.peak = max(self.peak, tree_rss_bytes(self.pid))
        hwm = _proc_status_kib(self.pid, "VmHWM")
        if hwm is not None:
            self.peak = max(self.peak, hwm * 1024)
        return self.peak


# --------------------------------------------------------------------------- load

CLIENT_ERRORS = (httpx.HTTPError, OSError, asyncio.IncompleteReadError, ValueError)


class HttpxConnection:
    """One httpx.AsyncClient holding a single keep-alive connection.

    A client per worker rather than one shared pool: on CPython 3.11 a shared pool costs
    the client about twice the CPU per request.
    """

    def __init__(self, base_url: str, headers: dict[str, str]) -> None:
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        self.client = httpx.AsyncClient(
            base_url=base_url, limits=limits, timeout=30.0, trust_env=False
        )
        self.headers = headers

    async def post(self, body: bytes) -> tuple[int, bytes]:
        resp = await self.client.post(TICKETS_PATH, content=body, headers=self.headers)
        return resp.status_code, resp.content

    async def aclose(self) -> None:
        await self.client.aclose()


class RawConnection:
    """Minimal HTTP/1.1 keep-alive client on asyncio streams (``--client raw``).

    It costs the client several times less CPU per request than httpx, so a fast server
    such as the hello-world baseline is not limited by the client on a small machine.
    """

    def __init__(self, base_url: str, headers: dict[str, str]) -> None:
        url = urlsplit(base_url)
        self.host = url.hostname or "127.0.0.1"
        self.port = url.port or 80
        lines = [f"POST {TICKETS_PATH} HTTP/1.1", f"Host: {url.netloc}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        self.head = ("\r\n".join(lines) + "\r\n").encode("latin-1")
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, body: bytes) -> tuple[int, bytes]:
        if self.reader is None or self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        reader, writer = self.reader, self.writer
        try:
            writer.write(self.head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
            status, content, keep_alive = await asyncio.wait_for(self._response(reader), 30.0)
        except BaseException:
            await self.aclose()
            raise
        if not keep_alive:
            await self.aclose()
        return status, content

    @staticmethod
    async def _response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split(" ", 2)[1])
        fields = {}
        for line in head[1:]:
            if ":" in line:
                name, _, value = line.partition(":")
                fields[name.strip().lower()] = value.strip().lower()
        if fields.get("transfer-encoding") == "chunked":
            chunks: list[bytes] = []
            while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
                chunks.append((await reader.readexactly(size + 2))[:-2])
            while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers
                pass
            content = b"".join(chunks)
        else:
            content = await reader.readexactly(int(fields.get("content-length", "0")))
        return status, content, fields.get("connection") != "close"

    async def aclose(self) -> None:
        writer, self.reader, self.writer = self.writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


Connection = HttpxConnection | RawConnection


@dataclass
class Phase:
    """Outcome of one batch of requests."""

    elapsed_s: float = 0.0
    latencies_s: list[float] = field(default_factory=list)
    ok: int = 0
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)


async def run_phase(connections: list[Connection], payloads: list[bytes]) -> Phase:
    """POST every payload; one worker per connection takes the next payload when free."""
    phase = Phase()
    counter = itertools.count()
    total = len(payloads)

    def fail(description: str) -> None:
        phase.errors += 1
        if len(phase.error_samples) < ERROR_SAMPLES:
            phase.error_samples.append(description)

    async def worker(conn: Connection) -> None:
        while (index := next(counter)) < total:
            started = time.perf_counter()
            try:
                status, content = await conn.post(payloads[index])
            except CLIENT_ERRORS as exc:
                phase.latencies_s.append(time.perf_counter() - started)
                fail(f"{type(exc).__name__}: {exc!r}")
                continue
            phase.latencies_s.append(time.perf_counter() - started)
            if status == 201:
                phase.ok += 1
            else:
                fail(f"HTTP {status}: {content[:300].decode('utf-8', errors='replace')}")

    began = time.perf_counter()
    await asyncio.gather(*(worker(conn) for conn in connections))
    phase.elapsed_s = time.perf_counter() - began
    return phase


async def drive(
    server: Server, mode: str, headers: dict[str, str], args: argparse.Namespace
) -> RunResult:
    """Warm up, then run the counted requests over the same connections, measuring CPU."""
    request_headers = {"Content-Type": "application/json", **headers}
    factory = RawConnection if args.client == "raw" else HttpxConnection
    connections: list[Connection] = [
        factory(server.base_url, request_headers) for _ in range(args.concurrency)
    ]
    try:
        if args.warmup:
            warm = await run_phase(connections, make_payloads(args.warmup, offset=args.requests))
            if warm.errors:
                print(f"  {mode}: {warm.errors}/{args.warmup} warm-up requests failed")
                for sample in warm.error_samples:
                    print(f"    {sample}")
        payloads = make_payloads(args.requests)
        server_cpu0 = tree_cpu_seconds(server.pid)
        client_cpu0 = time.process_time()
        phase = await run_phase(connections, payloads)
        client_cpu = time.process_time() - client_cpu0
        server_cpu1 = tree_cpu_seconds(server.pid)
    finally:
        for conn in connections:
            await conn.aclose()
    server_cpu = (
        server_cpu1 - server_cpu0 if server_cpu0 is not None and server_cpu1 is not None else None
    )
    return RunResult(
        mode=mode,
        requests=args.requests,
        concurrency=args.concurrency,
        elapsed_s=phase.elapsed_s,
        ok=phase.ok,
        latencies_s=phase.latencies_s,
        errors=phase.errors,
        error_samples=phase.error_samples,
        client_cpu_s=client_cpu,
        server_cpu_s=server_cpu,
    )


def measure(
    server: Server, mode: str, headers: dict[str, str], args: argparse.Namespace
) -> RunResult:
    """Drive the server while sampling its RSS; the peak covers warm-up and counted run."""
    sampler = RssSampler(server.pid)
    sampler.start()
    try:
        result = asyncio.run(drive(server, mode, headers, args))
    finally:
        peak = sampler.finish()
    result.peak_rss_bytes = peak or None
    return result


# --------------------------------------------------------------------------- modes


def base_env() -> dict[str, str]:
    """The caller's environment without KEFU_* settings; ``src/`` on the path if kefu is not
    importable (a checkout that is not installed)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")}
    env["PYTHONUNBUFFERED"] = "1"
    src = BENCH_DIR.parent / "src"
    if importlib.util.find_spec("kefu") is None and (src / "kefu").is_dir():
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(src), env.get("PYTHONPATH")]))
    return env


def run_hello(args: argparse.Namespace, workdir: Path) -> RunResult:
    port = free_port()
    cmd = [
        sys.executable, "-m", "uvicorn", "_hello_app:app",
        "--app-dir", str(BENCH_DIR),
        "--workers", "1",
        "--host", "127.0.0.1",
        "--port", str(port),
        "--log-level", "warning",
    ]  # fmt: skip
    with Server("hello-world", cmd, base_env(), port, workdir / "hello.log") as server:
        server.wait_ready("/", args.ready_timeout)
        return measure(server, "hello-world", {}, args)


def run_kefu(mode: str, env: dict[str, str], args: argparse.Namespace, workdir: Path) -> RunResult:
    run_cli(["db", "upgrade"], env)
    out = run_cli(["user", "create", "--role", "admin", "--name", f"bench-{mode}"], env)
    lines = [line.strip() for line in out.splitlines() if line.strip()]
    if not lines:
        raise BenchError("`kefu user create` printed no token")
    token = lines[-1]
    port = free_port()
    cmd = [sys.executable, "-m", "kefu", "serve", "--host", "127.0.0.1", "--port", str(port)]
    with Server(mode, cmd, env, port, workdir / f"{mode}.log") as server:
        server.wait_ready("/readyz", args.ready_timeout)
        result = measure(server, mode, {"Authorization": f"Bearer {token}"}, args)
        if result.errors:
            print(f"  {mode} server output (last lines, 2xx access log left out):")
            print(_indent(_log_excerpt(server.log)), flush=True)
        return result


def run_sqlite(args: argparse.Namespace, workdir: Path) -> RunResult:
    data_dir = workdir / "sqlite-data"
    data_dir.mkdir()
    env = base_env()
    env["KEFU_DATA_DIR"] = str(data_dir)
    return run_kefu("sqlite", env, args, workdir)


def _libpq_url(sqlalchemy_url: str) -> str:
    """``postgresql+psycopg://…`` → ``postgresql://…`` for psycopg.connect."""
    parts = urlsplit(sqlalchemy_url)
    scheme = parts.scheme.split("+", 1)[0]
    if scheme == "postgres":
        scheme = "postgresql"
    return urlunsplit(parts._replace(scheme=scheme))


def _with_search_path(sqlalchemy_url: str, schema: str) -> str:
    parts = urlsplit(sqlalchemy_url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "options"]
    query.append(("options", f"-csearch_path={schema}"))
    return urlunsplit(parts._replace(query=urlencode(query)))


def run_postgres(args: argparse.Namespace, workdir: Path) -> RunResult | None:
    """Run against PostgreSQL in a fresh schema; None (with a message) if it is unreachable."""
    try:
        import psycopg
    except ImportError:
        print("postgres: skipped, psycopg is not installed (pip install 'kefu[scale]')")
        return None
    conninfo = _libpq_url(args.postgres_url)
    try:
        admin = psycopg.connect(conninfo, autocommit=True, connect_timeout=5)
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"postgres: skipped, cannot connect to {conninfo}: {reason}")
        return None
    schema = f"bench_{secrets.token_hex(4)}"
    try:
        admin.execute(f'CREATE SCHEMA "{schema}"')
        data_dir = workdir / "postgres-data"
        data_dir.mkdir()
        env = base_env()
        env["KEFU_DATA_DIR"] = str(data_dir)
        env["KEFU_DATABASE_URL"] = _with_search_path(args.postgres_url, schema)
        return run_kefu("postgres", env, args, workdir)
    finally:
        try:
            admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        except psycopg.Error as exc:
            print(f"postgres: could not drop schema {schema}: {exc}", file=sys.stderr)
        admin.close()


# --------------------------------------------------------------------------- report


def _indent(text: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line for line in text.splitlines())


def _fmt(value: float | None, digits: int = 1) -> str:
    if value is None or math.isnan(value):
        return "-"
    return f"{value:.{digits}f}"


def _pct(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{_fmt(value, digits)}%"


def print_table(results: list[RunResult], baseline: RunResult) -> None:
    columns = [
        ("mode", 11), ("requests", 8), ("conc", 4), ("tickets/s", 9), ("p50 ms", 7),
        ("p99 ms", 7), ("peak RSS MiB", 12), ("vs hello-world", 14), ("errors", 6),
        ("server CPU", 10), ("client CPU", 10),
    ]  # fmt: skip
    print("  ".join(name.ljust(width) for name, width in columns).rstrip())
    for result in results:
        rss = result.peak_rss_bytes / 2**20 if result.peak_rss_bytes else None
        ratio = 100 * result.throughput / baseline.throughput if baseline.throughput > 0 else None
        cells = [
            result.mode,
            str(result.requests),
            str(result.concurrency),
            _fmt(result.throughput),
            _fmt(result.percentile_ms(50)),
            _fmt(result.percentile_ms(99)),
            _fmt(rss),
            _pct(ratio),
            str(result.errors),
            _pct(result.cpu_percent(result.server_cpu_s), 0),
            _pct(result.cpu_percent(result.client_cpu_s), 0),
        ]
        print("  ".join(c.ljust(w) for c, (_, w) in zip(cells, columns, strict=True)).rstrip())
    print(
        "CPU = CPU time / wall time of the counted run (100% = one core); server CPU includes "
        "children."
    )
    client = baseline.cpu_percent(baseline.client_cpu_s)
    if client is not None and client >= 90:
        print(
            f"note: the client used {client:.0f}% of a core against hello-world, so the baseline "
            "is partly client-bound and the ratios above overstate kefu relative to it."
        )


def report_errors(result: RunResult) -> None:
    if not result.errors:
        return
    print(
        f"{result.mode}: {result.errors}/{result.requests} requests failed "
        f"({100 * result.error_rate:.1f}%); first ones:"
    )
    for sample in result.error_samples:
        print(f"    {sample}")


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Benchmark kefu ticket intake against a bare ASGI hello-world."
    )
    parser.add_argument("--requests", type=int, default=2000, help="counted requests per mode")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent clients")
    parser.add_argument(
        "--modes",
        default="sqlite,postgres",
        help="comma-separated: sqlite, postgres, hello (hello-world always runs as baseline; "
        "'hello' alone runs only it)",
    )
    parser.add_argument(
        "--warmup", type=int, default=WARMUP_REQUESTS, help="uncounted warm-up requests"
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("KEFU_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="SQLAlchemy URL of the PostgreSQL database to create the bench schema in "
        "(default: $KEFU_BENCH_POSTGRES_URL or %(default)s)",
    )
    parser.add_argument(
        "--client",
        choices=("httpx", "raw"),
        default="raw",
        help="load generator: a minimal asyncio HTTP/1.1 client (default, far less CPU per "
        "request) or httpx.AsyncClient",
    )
    parser.add_argument(
        "--ready-timeout", type=float, default=30.0, help="seconds to wait for a server"
    )
    args = parser.parse_args(argv)
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    unknown = sorted(set(modes) - {"hello", "sqlite", "postgres"})
    if unknown:
        parser.error(f"unknown mode(s): {', '.join(unknown)}")
    if args.requests < 1 or args.concurrency < 1 or args.warmup < 0:
        parser.error("--requests and --concurrency must be >= 1, --warmup >= 0")
    args.modes = [m for m in ("sqlite", "postgres") if m in modes]
    return args


@contextlib.contextmanager
def _workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="kefu-bench-") as tmp:
        yield Path(tmp)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print(
        f"python {platform.python_version()} ({platform.python_implementation()}), "
        f"{os.cpu_count()} cores, {platform.platform()}; "
        f"{args.requests} requests x {args.concurrency} concurrent, {args.warmup} warm-up, "
        f"{args.client} client",
        flush=True,
    )
    if not HAVE_PSUTIL:
        print("psutil not installed: peak RSS read from /proc", flush=True)

    failed = False
    results: list[RunResult] = []
    with _workdir() as workdir:
        print("running hello-world baseline …", flush=True)
        try:
            baseline = run_hello(args, workdir)
        except BenchError as exc:
            print(f"hello-world: FAILED\n{_indent(str(exc))}", file=sys.stderr)
            return 1
        results.append(baseline)

        for mode in args.modes:
            print(f"running {mode} …", flush=True)
            try:
                result = (
                    run_sqlite(args, workdir) if mode == "sqlite" else run_postgres(args, workdir)
                )
            except BenchError as exc:
                print(f"{mode}: FAILED\n{_indent(str(exc))}", file=sys.stderr)
                failed = True
                continue
            if result is not None:
                results.append(result)

    print()
    print_table(results, baseline)
    for result in results:
        report_errors(result)
        if result.error_rate > MAX_ERROR_RATE:
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
