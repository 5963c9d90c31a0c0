"""Celery tasks of end-of-life aggregation: drain dirty buckets, recompute, upsert."""

from celery import shared_task


@shared_task(ignore_result=True, acks_late=True)
def refresh_aggregates() -> int:
    """Recomputes every dirty bucket from its records; safe to run twice or concurrently."""
    # Imported here: the services that mark buckets enqueue this task, so a module-level
    # import would make the two modules import each other.
    from lifecycle.tasks import claim_release
    from recycling.services.aggregation import buckets_refresh

    claim_release(refresh_aggregates.name)
    return buckets_refresh()
