"""The newcomer's path: `kefu demo` serves a working API and prints working tokens."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time

import httpx

from kefu.config import Settings


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_kefu_demo_serves_the_api_with_demo_data(settings: Settings) -> None:
    port = _free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "KEFU_DATA_DIR": str(settings.data_dir)}
    if settings.database_url:
        env["KEFU_DATABASE_URL"] = settings.database_url
    if settings.redis_url:
        env["KEFU_REDIS_URL"] = settings.redis_url
    proc = subprocess.Popen(
        [sys.executable, "-m", "kefu", "demo", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        tokens: dict[str, str] = {}
        lines: list[str] = []
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            m = re.match(r"\s+(\w+).*?\s(kefu_\S+)$", line.rstrip())
            if m:
                tokens[m.group(1)] = m.group(2)
            if line.strip().startswith("try:"):
                break
        assert {"admin", "supervisor", "agent", "customer"} <= set(tokens), "".join(lines)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, "kefu demo exited early"
            assert time.monotonic() < deadline, "kefu demo never became ready"
            time.sleep(0.2)

        admin = {"Authorization": f"Bearer {tokens['admin']}"}
        listed = httpx.get(f"{base}/api/v1/tickets", params={"limit": 200}, headers=admin).json()
        assert {t["subcategory"] for t in listed["items"]} >= {
            "account.ban_appeal",
            "order.quality",
        }
        assert len({t["subcategory"] for t in listed["items"]}) == 38
        assert len({t["channel"] for t in listed["items"]}) >= 5
        assert {t["status"] for t in listed["items"]} >= {"queued", "assigned", "open", "resolved"}

        r = httpx.post(
            f"{base}/api/v1/tickets",
            headers=admin,
            json={
                "customer": {"uid": "UID12345678"},
                "channel": "inapp",
                "subject": "直播权限",
                "body": "直播权限被关了",
                "subcategory": "live.permission",
            },
        )
        assert r.status_code == 201
        found = httpx.get(
            f"{base}/api/v1/tickets",
            headers=admin,
            params={"customer_uid": "UID12345678", "channel": "inapp"},
        ).json()
        assert [t["id"] for t in found["items"]] == [r.json()["id"]]

        customer = {"Authorization": f"Bearer {tokens['customer']}"}
        mine = httpx.get(f"{base}/api/v1/tickets", headers=customer).json()["items"]
        assert mine and {t["customer"]["uid"] for t in mine} == {"UID20000001"}
        agent = {"Authorization": f"Bearer {tokens['agent']}"}
        theirs = httpx.get(f"{base}/api/v1/tickets", headers=agent).json()["items"]
        assert theirs and {t["team"] for t in theirs} == {"account_safety"}
        sup = {"Authorization": f"Bearer {tokens['supervisor']}"}
        assert httpx.get(f"{base}/api/v1/agents", headers=sup).status_code == 200
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
