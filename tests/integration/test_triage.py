"""Triage end to end: `kefu classify`, the API, intake, and agent corrections in training.

The model trained from the shipped corpus is trained once per test session and shared:
in-process containers get it from the runtime's per-process cache, subprocesses get the
file written by the session fixture (KEFU_CLASSIFIER_PATH).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kefu.bootstrap import Container
from kefu.config import Settings
from kefu.services.triage import MAX_CHARS, MAX_TEXTS, corrections
from kefu.triage.classifier import Model
from kefu.triage.runtime import shipped_model
from tests.conftest import Api, RoleClient

CLEAR = "我的号被盗了，密码和绑定手机都被人改了"
GIBBERISH = "嗯嗯嗯"


@pytest.fixture(scope="session")
def model_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("triage") / "classifier.pkl"
    shipped_model().save(path)
    return path


def kefu(args: list[str], env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kefu", *args],
        input=stdin,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=180,
        check=False,
    )


# ---- kefu classify -----------------------------------------------------------------------


def test_kefu_classify_prints_one_json_object_per_stdin_line(
    model_file: Path, tmp_path: Path
) -> None:
    lines = [
        CLEAR,
        "",
        "转人工！！",
        "人工智能是什么",
        "  ",
        "How do I get an invoice for my ad spend?",
    ]
    env = {"KEFU_DATA_DIR": str(tmp_path), "KEFU_CLASSIFIER_PATH": str(model_file)}
    proc = kefu(["classify"], env, "\n".join(lines) + "\n")
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(out) == len(lines)
    hijacked, empty, human, lookalike, blank, invoice = out
    assert hijacked["label"] == "account.hijacked" and hijacked["confident"] is True
    assert hijacked["handoff"] is True
    assert hijacked["handoff_reasons"] == ["human_required_subcategory"]
    assert len(hijacked["top3"]) == 3 and hijacked["top3"][0]["label"] == "account.hijacked"
    assert 0 < hijacked["confidence"] <= 1
    assert empty == {"error": empty["error"], "line": 2} and empty["error"]["code"] == "empty_line"
    assert blank["line"] == 5
    assert human["handoff"] is True and "explicit_request" in human["handoff_reasons"]
    assert lookalike["handoff"] is False
    assert invoice["label"] == "ads.invoice"


def test_kefu_classify_trains_and_saves_a_model_when_there_is_none(tmp_path: Path) -> None:
    proc = kefu(["classify"], {"KEFU_DATA_DIR": str(tmp_path)}, "提现一直不到账\n")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["label"] == "payment.withdrawal"
    assert Model.load(tmp_path / "models" / "classifier.pkl").labels


# ---- the API ---------------------------------------------------------------------------


def test_classify_endpoint_answers_for_one_or_many_texts(api: Api, admin: RoleClient) -> None:
    r = admin.post("/api/v1/triage/classify", {"text": CLEAR})
    assert r.status_code == 200, r.text
    (item,) = r.json()["items"]
    assert item["label"] == "account.hijacked" and item["handoff"] is True
    assert set(item) == {"label", "confidence", "confident", "top3", "handoff", "handoff_reasons"}
    integration = api.as_(api.token("integration"))
    r = integration.post("/api/v1/triage/classify", {"texts": [CLEAR, GIBBERISH, "不用转人工了"]})
    assert r.status_code == 200
    items = r.json()["items"]
    assert len(items) == 3 and items[0]["label"] == "account.hijacked"
    assert items[1]["confident"] is False
    assert items[2]["handoff"] is False


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"text": "a", "texts": ["b"]},
        {"texts": []},
        {"texts": ["x"] * (MAX_TEXTS + 1)},
        {"text": "字" * (MAX_CHARS + 1)},
        {"texts": ["ok", "   "]},
        {"text": 42},
        {"text": "ok", "extra": 1},
    ],
)
def test_classify_endpoint_refuses_bad_input_with_422(admin: RoleClient, body: dict) -> None:
    r = admin.post("/api/v1/triage/classify", body)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] in ("invalid", "validation_error")


def test_classify_endpoint_is_for_staff_and_integrations(api: Api, admin: RoleClient) -> None:
    r = api.client.post("/api/v1/triage/classify", json={"text": CLEAR})
    assert r.status_code == 401
    customer = api.as_(api.token("customer", "c", customer_uid="UID12345678"))
    assert customer.post("/api/v1/triage/classify", {"text": CLEAR}).status_code == 403
    agent_id = admin.post("/api/v1/agents", {"name": "A", "teams": ["general"]}).json()["id"]
    agent = api.as_(api.token("agent", "a", agent_id=agent_id))
    assert agent.post("/api/v1/triage/classify", {"text": CLEAR}).status_code == 200


# ---- intake ----------------------------------------------------------------------------


def _open(admin: RoleClient, body: str, subject: str = "") -> dict:
    r = admin.post(
        "/api/v1/tickets",
        {"customer": {"uid": "UID30000001"}, "channel": "inapp", "subject": subject, "body": body},
    )
    assert r.status_code == 201, r.text
    return r.json()


def test_a_clear_ticket_without_subcategory_is_placed_by_the_classifier(
    admin: RoleClient,
) -> None:
    t = _open(admin, CLEAR)
    assert t["subcategory"] == "account.hijacked"
    assert t["team"] == "account_safety" and not t["queue"].endswith("/triage")
    audit = admin.get(f"/api/v1/tickets/{t['id']}/audit").json()
    classified = next(a for a in audit if a["action"] == "classified")
    assert classified["changes"]["label"] == "account.hijacked"
    assert classified["changes"]["applied"] is True
    assert classified["changes"]["confidence"] >= 0.35


def test_gibberish_without_subcategory_goes_to_the_triage_queue(admin: RoleClient) -> None:
    t = _open(admin, GIBBERISH)
    assert t["subcategory"] == "usage.howto"
    assert t["queue"] == "general/triage"
    audit = admin.get(f"/api/v1/tickets/{t['id']}/audit").json()
    classified = next(a for a in audit if a["action"] == "classified")
    assert classified["changes"]["applied"] is False


def test_a_subcategory_given_by_the_caller_is_kept(admin: RoleClient) -> None:
    r = admin.post(
        "/api/v1/tickets",
        {
            "customer": {"uid": "UID30000001"},
            "channel": "inapp",
            "body": CLEAR,
            "subcategory": "usage.bug",
        },
    )
    assert r.json()["subcategory"] == "usage.bug"
    audit = admin.get(f"/api/v1/tickets/{r.json()['id']}/audit").json()
    assert not [a for a in audit if a["action"] == "classified"]


# ---- corrections -----------------------------------------------------------------------

ODD = "我家仓鼠跳舞的视频封面怎么一直是黑的"


def test_an_agent_correction_is_stored_and_used_by_the_next_training(
    api: Api, container: Container, settings: Settings, tmp_path: Path
) -> None:
    supervisor = api.as_(api.token("supervisor"))
    t = _open(supervisor, ODD, subject="封面")
    before = t["subcategory"]
    assert before != "ads.invoice"
    r = supervisor.put(f"/api/v1/tickets/{t['id']}/subcategory", {"subcategory": "ads.invoice"})
    assert r.status_code == 200
    # Changing to the same code again is not a correction.
    supervisor.put(f"/api/v1/tickets/{t['id']}/subcategory", {"subcategory": "ads.invoice"})
    stored = corrections(container.ctx)
    assert len(stored) == 1
    c = stored[0]
    assert (c.text, c.from_label, c.to_label) == (f"封面\n{ODD}", before, "ads.invoice")
    assert c.agent == "supervisor:test-supervisor" and c.ticket_id == t["id"]

    out = tmp_path / "retrained.pkl"
    env = {
        "KEFU_DATA_DIR": str(tmp_path),
        "KEFU_DATABASE_URL": settings.resolved_database_url,
        "KEFU_REDIS_URL": "",
    }
    proc = kefu(["triage", "train", "--out", str(out), "--folds", "0"], env)
    assert proc.returncode == 0, proc.stderr
    assert "1 agent corrections of 1 stored" in proc.stdout
    assert Model.load(out).predict(f"封面\n{ODD}").label == "ads.invoice"


def test_training_without_a_readable_database_needs_corpus_only(tmp_path: Path) -> None:
    env = {"KEFU_DATA_DIR": str(tmp_path), "KEFU_DATABASE_URL": "", "KEFU_REDIS_URL": ""}
    out = tmp_path / "m.pkl"
    proc = kefu(["triage", "train", "--out", str(out), "--folds", "0"], env)
    assert proc.returncode == 2
    assert "cannot read the agent corrections" in proc.stderr and "--corpus-only" in proc.stderr
    assert not out.exists()
    proc = kefu(["triage", "train", "--out", str(out), "--folds", "0", "--corpus-only"], env)
    assert proc.returncode == 0, proc.stderr
    assert "0 agent corrections of 0 stored" in proc.stdout
    assert len(Model.load(out).labels) == 38
