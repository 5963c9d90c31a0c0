"""Celery tasks of end-of-life aggregation: drain dirty buckets, recompute, upsert."""

from celery import shared_task

from recycling.services.aggregation import buckets_refresh


@shared_task(ignore_result=True, acks_late=True)
def refresh_aggregates() -> int:
    """Recomputes every dirty bucket from its records; safe to run twice or concurrently."""
    return buckets_refresh()
