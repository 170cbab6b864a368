"""Evidence rounds under concurrency: the count is decided under the dispute's row lock
(PostgreSQL FOR UPDATE in scale mode; SQLite's writer lock in embedded mode)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from kefu.bootstrap import Container
from kefu.domain.disputes import Party, SubmissionKind
from kefu.domain.errors import DomainError
from kefu.services import disputes as svc
from kefu.services.dispute_queries import detail
from tests.integration.disputes_support import (
    ARBITER,
    SELLER,
    customer,
    open_for,
    order,
    use_orders,
)

ATTEMPTS = 10


def test_ten_simultaneous_submissions_of_a_party_accept_exactly_three(
    container: Container,
) -> None:
    dc = use_orders(container, [order("DY400")])
    seller = customer(SELLER, "seller")
    d = open_for(dc, "DY400")
    assert d.id is not None
    dispute_id = d.id
    svc.respond(dc, seller, dispute_id, accept=False, sub=svc.Submit("货物完好"))
    start = threading.Barrier(ATTEMPTS)

    def submit(n: int) -> str:
        start.wait()
        try:
            svc.submit_evidence(dc, seller, dispute_id, svc.Submit(f"第 {n} 份证据"))
        except DomainError as exc:
            return exc.code
        return "accepted"

    with ThreadPoolExecutor(ATTEMPTS) as pool:
        outcomes = list(pool.map(submit, range(ATTEMPTS)))
    assert outcomes.count("accepted") == 3, outcomes
    assert outcomes.count("evidence_limit_reached") == ATTEMPTS - 3, outcomes
    view = detail(dc, ARBITER, dispute_id)
    stored = [s for s in view.submissions if s.kind == SubmissionKind.EVIDENCE.value]
    assert len(stored) == 3 and {s.party for s in stored} == {Party.SELLER}
    assert view.evidence_left == {Party.BUYER: 3, Party.SELLER: 0}
