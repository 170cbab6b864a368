"""Routing benchmark: assignment decisions per second and decision latency with 100,000
waiting tickets and 5,000 agents.

What it measures
    *engine* — the ACD matcher itself (`kefu.domain.acd.Dispatcher`): ``--waiting`` work
    items (8 teams × their lanes, 3 mediums, skill and language requirements, priorities
    20–95, waits up to 2 h) and ``--agents`` agents (1–2 teams, random skills, 10%
    bilingual, default capacity 1 call / 3 chats / 10 emails, random idle times). Then

    - *fill*: decisions until no free agent can take any waiting item (every decision
      timed on its own: pick the best item some free agent can take, give it to the agent
      idle longest, update the indexes);
    - *steady*: ``--steady`` rounds of "an agent finishes one item, the next decision is
      made" — the live situation, with the queue still holding tens of thousands.

    *database* (``--db sqlite|postgres``) — the real `services.routing.dispatch`: the same
    numbers of work items and agents written to a fresh database (tickets inserted in bulk),
    then dispatch transactions (claim with SKIP LOCKED, match, offer or assign, commit)
    until agents are full; reports placements per second and the latency of a
    transaction and of one decision within it (transaction time / placements).

    The baseline, measured in the same run, is the same engine with 1% of the load
    (``--waiting``/100 items, ``--agents``/100 agents): how decision cost grows with size.

How to run (from the repository root, in the project's virtualenv)::

    python bench/routing.py                           # engine, 100,000 waiting, 5,000 agents
    python bench/routing.py --db sqlite --db postgres # and the database path
    python bench/routing.py --waiting 20000 --agents 1000 --steady 5000

Figures depend on the machine; compare with the baseline of the same run only. Benchmarks
are run by hand and are never part of the test suite.
"""

from __future__ import annotations

# `bench/email.py` would shadow the standard library's `email` for every script run from
# this folder (sys.path[0]); take the folder off the path before anything imports it.
import sys as _sys
from pathlib import Path as _Path

_here = _Path(__file__).resolve().parent
_sys.path[:] = [p for p in _sys.path if _Path(p or ".").resolve() != _here]

import argparse
import random
import secrets
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from kefu.domain.acd import AgentState, Dispatcher, Ordering, WorkItem
from kefu.domain.organisation import DEFAULT_CAPACITY, WorkMedium
from kefu.policies import load_policies

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
SKILLS = ("product_knowledge", "legal", "security", "live_tech")
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def workload(waiting: int, agents: int, seed: int = 1) -> tuple[list[WorkItem], list[AgentState]]:
    policies = load_policies()
    rng = random.Random(seed)
    teams = list(policies.teams.values())
    lane_skills = policies.routing.lane_skills
    items = []
    for i in range(waiting):
        team = rng.choice(teams)
        lane = rng.choice(team.lanes)
        skills = set(lane_skills.get(lane, ()))
        if team.code == "live" and rng.random() < 0.2:
            skills.add("live_tech")
        items.append(
            WorkItem(
                ticket_id=i + 1,
                team=team.code,
                lane=lane.value,
                medium=rng.choice(list(WorkMedium)),
                priority=rng.randint(20, 95),
                enqueued_at=NOW - timedelta(seconds=rng.randint(0, 7200)),
                skills=frozenset(skills),
                language="en" if rng.random() < 0.05 else "zh-CN",
            )
        )
    people = [
        AgentState(
            agent_id=a + 1,
            teams=frozenset(t.code for t in rng.sample(teams, rng.randint(1, 2))),
            skills=frozenset(rng.sample(SKILLS, rng.randint(0, 3))),
            languages=frozenset({"zh-CN", "en"} if rng.random() < 0.1 else {"zh-CN"}),
            capacity=dict(DEFAULT_CAPACITY),
            load={},
            idle_since=NOW - timedelta(seconds=rng.randint(0, 3600)),
        )
        for a in range(agents)
    ]
    return items, people


def pct(xs: list[float], q: float) -> float:
    return sorted(xs)[min(len(xs) - 1, int(q * len(xs)))] if xs else float("nan")


def engine(waiting: int, agents: int, steady: int) -> dict[str, Any]:
    items, people = workload(waiting, agents)
    ordering = Ordering(load_policies().routing.aging_points_per_minute)
    t = time.perf_counter()
    d = Dispatcher(ordering)
    for a in people:
        d.add_agent(a)
    for item in items:
        d.add_item(item)
    build_s = time.perf_counter() - t
    fill: list[float] = []
    held: list[tuple[int, WorkMedium]] = []
    while True:
        t = time.perf_counter_ns()
        decision = d.next_assignment(NOW)
        fill.append((time.perf_counter_ns() - t) / 1e3)
        if decision is None:
            fill.pop()
            break
        held.append((decision[1].agent_id, decision[0].medium))
    rng = random.Random(2)
    rounds: list[float] = []
    now = NOW
    made = 0
    for _ in range(steady):
        if not held:
            break
        now += timedelta(milliseconds=50)
        agent_id, medium = held.pop(rng.randrange(len(held)))
        t = time.perf_counter_ns()
        d.release(agent_id, medium, now)
        decision = d.next_assignment(now)
        rounds.append((time.perf_counter_ns() - t) / 1e3)
        if decision is not None:
            made += 1
            held.append((decision[1].agent_id, decision[0].medium))
    return {
        "build_s": build_s,
        "fill_n": len(fill),
        "fill_rate": len(fill) / (sum(fill) / 1e6) if fill else 0.0,
        "fill_p50": pct(fill, 0.5),
        "fill_p99": pct(fill, 0.99),
        "steady_n": len(rounds),
        "steady_made": made,
        "steady_rate": len(rounds) / (sum(rounds) / 1e6) if rounds else 0.0,
        "steady_p50": pct(rounds, 0.5),
        "steady_p99": pct(rounds, 0.99),
        "left_waiting": d.waiting,
    }


def _ticket_row(base: dict[str, Any], it: WorkItem) -> dict[str, Any]:
    return {
        **base,
        "id": it.ticket_id + 1_000_000,
        "priority": it.priority,
        "team": it.team,
        "lane": it.lane,
        "status": "queued",
        "created_at": it.enqueued_at,
    }


def _work_row(it: WorkItem) -> dict[str, Any]:
    return {
        "ticket_id": it.ticket_id + 1_000_000,
        "team": it.team,
        "lane": it.lane,
        "home_queue": it.queue,
        "medium": it.medium.value,
        "skills": ",".join(sorted(it.skills)),
        "language": it.language,
        "state": "waiting",
        "declined": "",
        "offers": 0,
        "enqueued_at": it.enqueued_at,
        "enqueued_epoch": it.enqueued_at.timestamp(),
    }


def _agent_row(a: AgentState) -> dict[str, Any]:
    return {
        "id": a.agent_id,
        "name": f"a{a.agent_id}",
        "teams": sorted(a.teams),
        "skills": sorted(a.skills),
        "languages": sorted(a.languages),
        "capacity": {m.value: n for m, n in a.capacity.items()},
        "presence": "available",
        "created_at": NOW,
    }


def _desk_row(a: AgentState) -> dict[str, Any]:
    zero = {"load_call": 0, "load_chat": 0, "load_email": 0}
    return {"agent_id": a.agent_id, **zero, "idle_since": a.idle_since}


def database(mode: str, waiting: int, agents: int, pg_url: str) -> dict[str, Any] | None:
    from sqlalchemy import create_engine, insert, text

    from kefu.bootstrap import build
    from kefu.config import Settings
    from kefu.domain.actors import Actor, Role
    from kefu.services import routing
    from kefu.services.setup import prepare
    from kefu.services.tickets import OpenTicket, open_ticket
    from kefu.store.migrate import upgrade
    from kefu.store.models import AgentRow, TicketRow
    from kefu.store.models_routing import DeskRow, WorkRow

    tmp = Path(tempfile.mkdtemp(prefix="kefu-bench-routing-"))
    schema = None
    if mode == "postgres":
        schema = f"bench_{secrets.token_hex(6)}"
        admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        except Exception as exc:
            print(f"postgres unreachable ({type(exc).__name__}); skipped", file=sys.stderr)
            return None
        settings = Settings(data_dir=tmp, database_url=f"{pg_url}?options=-csearch_path%3D{schema}")
    else:
        settings = Settings(data_dir=tmp)
    try:
        upgrade(settings.resolved_database_url)
        c = build(settings)
        prepare(c.ctx)
        template = open_ticket(
            c.ctx,
            Actor(Role.ADMIN, "bench"),
            OpenTicket("UID10000001", "inapp", "x", subcategory="usage.howto"),
        )
        items, people = workload(waiting, agents)
        t0 = time.perf_counter()
        with c.db.engines[0].begin() as conn:
            base = dict(
                conn.execute(TicketRow.__table__.select().where(TicketRow.id == template.id))
                .mappings()
                .one()
            )
            conn.execute(WorkRow.__table__.delete())
            conn.execute(text("DELETE FROM timers"))
            rows = [_ticket_row(base, it) for it in items]
            works = [_work_row(it) for it in items]
            for i in range(0, len(rows), 5000):
                conn.execute(insert(TicketRow), rows[i : i + 5000])
                conn.execute(insert(WorkRow), works[i : i + 5000])
            conn.execute(insert(AgentRow), [_agent_row(a) for a in people])
            conn.execute(insert(DeskRow), [_desk_row(a) for a in people])
            if mode == "postgres":
                conn.execute(text("ANALYZE"))
        load_s = time.perf_counter() - t0
        tx: list[float] = []
        placed = 0
        t0 = time.perf_counter()
        while True:
            t = time.perf_counter()
            made = routing.dispatch(c.ctx)
            if not made:
                break
            tx.append(time.perf_counter() - t)
            placed += made
        total = time.perf_counter() - t0
        c.close()
        per = [s * 1e3 / c.ctx.policies.routing.batch for s in tx]
        return {
            "load_s": load_s,
            "placed": placed,
            "rate": placed / total if total else 0.0,
            "tx_p50_ms": pct([s * 1e3 for s in tx], 0.5),
            "tx_p99_ms": pct([s * 1e3 for s in tx], 0.99),
            "decision_p99_ms": pct(per, 0.99),
            "transactions": len(tx),
        }
    finally:
        if schema is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--waiting", type=int, default=100_000)
    p.add_argument("--agents", type=int, default=5_000)
    p.add_argument("--steady", type=int, default=20_000)
    p.add_argument("--db", action="append", choices=["sqlite", "postgres"], default=[])
    p.add_argument("--pg-url", default=PG_URL)
    args = p.parse_args()
    if args.waiting < 100 or args.agents < 100:
        p.error("--waiting and --agents must be at least 100 (the baseline is 1%)")
    print(f"python {sys.version.split()[0]}; {args.waiting:,} waiting, {args.agents:,} agents")
    cols = ("engine", "waiting", "agents", "decisions", "per s", "p50 µs", "p99 µs")
    row = "{:<12} {:>8} {:>7} {:>9} {:>9} {:>8} {:>8}"
    print(row.format(*cols))
    sizes = (
        ("baseline", args.waiting // 100, args.agents // 100),
        ("full", args.waiting, args.agents),
    )
    for label, w, a in sizes:
        r = engine(w, a, args.steady)
        for phase, waiting in (("fill", w), ("steady", r["left_waiting"])):
            print(
                row.format(
                    f"{label} {phase}",
                    f"{waiting:,}",
                    f"{a:,}",
                    f"{r[phase + '_n']:,}",
                    f"{r[phase + '_rate']:,.0f}",
                    f"{r[phase + '_p50']:.1f}",
                    f"{r[phase + '_p99']:.1f}",
                )
            )
        print(f"{'':<12} (indexing {w:,} items and {a:,} agents: {r['build_s']:.2f} s)")
    for mode in args.db:
        r = database(mode, args.waiting, args.agents, args.pg_url)
        if r is None:
            continue
        print(
            f"database {mode}: loaded in {r['load_s']:.1f} s; {r['placed']:,} placed in "
            f"{r['transactions']} transactions, {r['rate']:,.0f}/s; transaction p50 "
            f"{r['tx_p50_ms']:.0f} ms, p99 {r['tx_p99_ms']:.0f} ms; p99 per decision "
            f"{r['decision_p99_ms']:.1f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
