"""Settings for the servers the benchmarks start: the project's, plus a minimal view's URL."""

from settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
