"""The wait before an upload is tried again: doubling, jittered, capped, Retry-After honoured."""

from hypothesis import given
from hypothesis import strategies as st

from passports.registry.backoff import retry_delay


def test_the_step_doubles_with_each_failure():
    waits = [retry_delay(attempts=n, base=10, cap=10_000, draw=lambda: 1.0) for n in (1, 2, 3, 4)]

    assert waits == [10, 20, 40, 80]


def test_jitter_keeps_at_least_half_the_step():
    assert retry_delay(attempts=3, base=10, cap=10_000, draw=lambda: 0.0) == 20


def test_the_wait_never_exceeds_the_cap():
    assert retry_delay(attempts=60, base=30, cap=1800, draw=lambda: 1.0) == 1800


def test_weeks_of_failures_still_wait_the_cap():
    assert retry_delay(attempts=100_000, base=30, cap=1800, draw=lambda: 1.0) == 1800


def test_retry_after_is_honoured_within_the_cap():
    assert retry_delay(attempts=1, base=1, cap=600, draw=lambda: 1.0, at_least=120) == 120
    assert retry_delay(attempts=1, base=1, cap=600, draw=lambda: 1.0, at_least=9999) == 600


@given(
    attempts=st.integers(min_value=1, max_value=200),
    base=st.floats(min_value=0, max_value=1000),
    cap=st.floats(min_value=0, max_value=100_000),
    draw=st.floats(min_value=0, max_value=1, exclude_max=True),
)
def test_the_wait_lies_between_half_the_step_and_the_step(attempts, base, cap, draw):
    step = min(cap, base * 2 ** min(attempts - 1, 64))

    wait = retry_delay(attempts=attempts, base=base, cap=cap, draw=lambda: draw)

    assert step / 2 <= wait <= step
