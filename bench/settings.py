"""Settings for the servers the benchmarks start: the project's, plus a minimal view's URL."""

from settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

# The workloads measure capacity, so the per-caller rate limits are lifted.
API_THROTTLE_RATES = dict.fromkeys(API_THROTTLE_RATES)  # noqa: F405
