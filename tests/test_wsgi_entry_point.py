"""The WSGI entry point leaves what it loaded out of the collector's full passes."""

import gc
import importlib

from django.urls import get_resolver


def test_the_entry_point_freezes_the_loaded_application():
    gc.unfreeze()
    try:
        module = importlib.reload(importlib.import_module("settings.wsgi"))

        assert callable(module.application)
        # The views are imported before the freeze, so their objects are frozen too.
        assert get_resolver().url_patterns
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()  # the test process itself keeps collecting as usual
