"""Settings for the servers the benchmarks start: the project's, plus a minimal view's URL."""

from settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

# The workloads measure capacity, so the per-caller rate limits are lifted.
API_THROTTLE_RATES = dict.fromkeys(API_THROTTLE_RATES)  # noqa: F405

# B8's limit is answered by the same middleware as the tiles it is the limit of.
MIDDLEWARE = [  # noqa: F405
    "bench.middleware.LogReadWithLimitMiddleware"
    if name == "lifecycle.middleware.LogReadMiddleware"
    else name
    for name in MIDDLEWARE  # noqa: F405
]
