"""Delivery of placed-on-market passports to the EU digital product passport registry.

Regulation (EU) 2023/1542 Art. 77(10) and the ESPR registry (Art. 13) ask that each passport's
unique product identifier, passport identifier and economic operator be registered once the
product is placed on the market. We write an outbox row in the same transaction as the
`placed_on_market` event (models.py), a Celery task uploads it with an idempotency key and
retries with backoff (services.py, tasks.py, client.py), and a small local registry server
(local_server.py) stands in for the real one in development and tests.
"""
