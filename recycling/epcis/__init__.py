"""EPCIS 2.0 for passports that travel: every lifecycle event as JSON-LD, queries and capture.

It lives in the recycling app, not in lifecycle, because a treatment event is rendered from
the batch it closed and captured through the batch services: dependencies point one way,
recycling -> lifecycle -> passports.
"""
