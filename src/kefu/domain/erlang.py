"""Erlang C: waiting in an M/M/c queue, for estimated waits and staffing (SPEC §6, §11).

Notation: `c` servers (agent slots), `lam` arrivals per second, `mu` completions per
second of one server (1 / average handle time), `a = lam / mu` the offered load in
erlangs. With `a < c` the queue is stable and

    P(wait) = C(c, a) = c·B(c, a) / (c − a·(1 − B(c, a)))        (Erlang C from Erlang B)
    E[Wq]   = C(c, a) / (c·mu − lam)
    P(Wq ≤ t) = 1 − C(c, a)·exp(−(c·mu − lam)·t)                 (the service level)

Erlang B comes from its recursion B(0) = 1, B(k) = a·B(k−1) / (k + a·B(k−1)), which
never overflows (no factorials, no powers) even for thousands of servers.

`wait_given_state` is what a live queue can do better than the steady-state average: an
arrival that finds all c servers busy and n callers ahead of it waits for n + 1
completions at rate c·mu, so its expected wait is (n + 1) / (c·mu) — in the same M/M/c
model, but conditioned on the state we can see. Written by hand (20 lines) rather than
pulling scipy/numpy into the pure domain for one recursion.
"""

from __future__ import annotations

import math


def erlang_b(c: int, a: float) -> float:
    """Blocking probability of an M/M/c/c system (Erlang B), by recursion."""
    if c < 0 or a < 0:
        raise ValueError("servers and load must be non-negative")
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(c: int, a: float) -> float:
    """Probability that an arrival waits (Erlang C); 1.0 when the queue is unstable."""
    if c <= 0 or a >= c:
        return 1.0
    if a <= 0:
        return 0.0
    b = erlang_b(c, a)
    return c * b / (c - a * (1 - b))


def mean_wait(c: int, lam: float, mu: float) -> float | None:
    """Expected wait in queue E[Wq] in seconds; None when unstable (a ≥ c) or unstaffed."""
    if c <= 0 or mu <= 0:
        return None
    if lam <= 0:
        return 0.0
    if lam >= c * mu:
        return None
    return erlang_c(c, lam / mu) / (c * mu - lam)


def service_level(c: int, lam: float, mu: float, target_seconds: float) -> float | None:
    """Share of arrivals answered within `target_seconds`; None when unstable or unstaffed."""
    if c <= 0 or mu <= 0:
        return None
    if lam <= 0:
        return 1.0
    if lam >= c * mu:
        return None
    return 1 - erlang_c(c, lam / mu) * math.exp(-(c * mu - lam) * target_seconds)


def wait_given_state(c: int, busy: int, ahead: int, mu: float) -> float | None:
    """Expected wait of a new arrival that sees `busy` of `c` servers busy and `ahead`
    items queued before it. 0 when a server is free for it; None when nobody serves."""
    if c <= 0 or mu <= 0:
        return None
    free = max(0, c - busy)
    if ahead < free:
        return 0.0
    return (ahead - free + 1) / (c * mu)


def servers_for_service_level(
    lam: float, mu: float, target_share: float, target_seconds: float, max_servers: int = 10_000
) -> int | None:
    """The fewest servers that answer `target_share` of arrivals within `target_seconds`."""
    if mu <= 0 or not 0 < target_share < 1:
        raise ValueError("mu must be positive and the target share between 0 and 1")
    if lam <= 0:
        return 0
    c = max(1, math.floor(lam / mu) + 1)
    while c <= max_servers:
        sl = service_level(c, lam, mu, target_seconds)
        if sl is not None and sl >= target_share:
            return c
        c += 1
    return None
