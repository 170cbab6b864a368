"""Erlang C, checked against the textbook formula and known cases."""

from __future__ import annotations

import math

import pytest

from kefu.domain import erlang


def textbook_erlang_c(c: int, a: float) -> float:
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


@pytest.mark.parametrize(("c", "a"), [(1, 0.5), (2, 1.5), (5, 4.0), (10, 8.0), (30, 25.0)])
def test_erlang_c_equals_the_textbook_formula(c: int, a: float) -> None:
    assert erlang.erlang_c(c, a) == pytest.approx(textbook_erlang_c(c, a), rel=1e-12)


def test_ten_agents_at_eight_erlangs_wait_with_probability_0_409() -> None:
    assert erlang.erlang_c(10, 8.0) == pytest.approx(0.4092, abs=1e-4)


def test_one_server_is_the_m_m_1_queue() -> None:
    lam, mu = 0.6, 1.0
    assert erlang.erlang_c(1, lam / mu) == pytest.approx(0.6)
    assert erlang.mean_wait(1, lam, mu) == pytest.approx(lam / (mu * (mu - lam)))


def test_thousands_of_servers_do_not_overflow() -> None:
    p = erlang.erlang_c(5000, 4900.0)
    assert 0.0 < p < 1.0


def test_an_overloaded_or_unstaffed_queue_has_no_steady_wait() -> None:
    assert erlang.erlang_c(3, 3.0) == 1.0
    assert erlang.mean_wait(3, 3.0, 1.0) is None
    assert erlang.mean_wait(0, 1.0, 1.0) is None
    assert erlang.service_level(2, 5.0, 1.0, 20) is None
    assert erlang.mean_wait(3, 0.0, 1.0) == 0.0


def test_service_level_is_one_minus_wait_probability_times_the_exponential_tail() -> None:
    c, lam, mu, t = 10, 8 / 180, 1 / 180, 20.0
    expected = 1 - textbook_erlang_c(10, 8.0) * math.exp(-(c * mu - lam) * t)
    assert erlang.service_level(c, lam, mu, t) == pytest.approx(expected)
    assert erlang.service_level(c, lam, mu, 0) == pytest.approx(1 - textbook_erlang_c(10, 8.0))


def test_more_agents_never_lengthen_the_wait() -> None:
    waits = [erlang.mean_wait(c, 8 / 180, 1 / 180) for c in range(9, 20)]
    assert all(w is not None for w in waits)
    assert waits == sorted(waits, reverse=True)  # type: ignore[type-var]


def test_a_caller_with_a_free_agent_waits_nothing() -> None:
    assert erlang.wait_given_state(5, busy=3, ahead=1, mu=1 / 300) == 0.0


def test_a_caller_behind_n_others_waits_for_n_plus_one_completions() -> None:
    # All 4 busy, 6 ahead: 7 completions at 4 per 300 s.
    assert erlang.wait_given_state(4, busy=4, ahead=6, mu=1 / 300) == pytest.approx(7 * 300 / 4)
    # 2 of 4 free and 5 ahead: 2 of them start now, the caller needs 4 completions.
    assert erlang.wait_given_state(4, busy=2, ahead=5, mu=1 / 300) == pytest.approx(4 * 300 / 4)


def test_nobody_on_duty_means_no_estimate() -> None:
    assert erlang.wait_given_state(0, busy=0, ahead=3, mu=1 / 300) is None


def test_staffing_finds_the_fewest_agents_for_80_percent_in_20_seconds() -> None:
    lam, mu = 100 / 3600, 1 / 180  # 100 calls an hour, 3 minutes each: 5 erlangs
    c = erlang.servers_for_service_level(lam, mu, 0.8, 20)
    assert c is not None
    assert (erlang.service_level(c, lam, mu, 20) or 0) >= 0.8
    assert (erlang.service_level(c - 1, lam, mu, 20) or 0) < 0.8
    assert c == 8
