"""When to try an upload again: exponential backoff with jitter, capped. No Django imports."""

import random


def retry_delay(
    *, attempts: int, base: float, cap: float, draw=random.random, at_least: float = 0.0
) -> float:
    """Seconds to wait after the `attempts`-th failed attempt (1 for the first failure).

    The delay doubles with each failure up to `cap`; the wait is drawn between half of it and
    all of it ("equal jitter"), so many uploads that failed together (a registry outage) do not
    come back together, while none retries sooner than half its step. `at_least` is what the
    registry asked for (Retry-After); it is honoured, still within the cap.
    """
    # The exponent stops growing long after the cap is reached: weeks of failures must not
    # overflow a float.
    step = min(cap, base * 2 ** min(max(attempts - 1, 0), 64))
    wait = step / 2 + draw() * step / 2
    return min(cap, max(wait, at_least))
