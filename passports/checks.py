"""System checks: production refuses to run without a proper key-encryption key."""

import base64
import binascii

from django.conf import settings
from django.core.checks import Error, Warning, register


@register()
def key_encryption_key_configured(app_configs, **kwargs):
    """Production needs KEY_ENCRYPTION_KEY: 32 bytes, base64-encoded."""
    configured = settings.KEY_ENCRYPTION_KEY
    if not configured:
        if settings.PRODUCTION:
            return [Error("KEY_ENCRYPTION_KEY is not set.", id="passports.E001")]
        return [
            Warning(
                "KEY_ENCRYPTION_KEY is not set; private signing keys are sealed with a "
                "development key kept in a git-ignored file.",
                id="passports.W001",
            )
        ]
    try:
        length = len(base64.b64decode(configured, validate=True))
    except (binascii.Error, ValueError):
        length = -1
    if length != 32:
        return [Error("KEY_ENCRYPTION_KEY must be 32 bytes, base64-encoded.", id="passports.E002")]
    return []
