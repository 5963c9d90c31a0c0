"""Token authentication with a short per-process memory of tokens already checked.

Knox checks a token in two queries (the token with its user, then every token of that user, to
delete expired ones), and the organisation takes a third: three round trips before a request
does anything, on every request of a gateway that posts events all day. A token seen here in
the last API_TOKEN_CACHE_SECONDS is trusted again without them.

What a cached answer may miss, and for how long: any change to tokens, users or organisations
saved through this process empties its memory at once (revoking a token through the API, a
user deactivated in the admin); a change made by another process is seen here within
API_TOKEN_CACHE_SECONDS. A token's own expiry is checked on every request.
"""

import copy
import threading
import time

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.models import AuthToken

from passports.models import Organisation, User

_lock = threading.Lock()
_checked: dict[str, tuple[float, User, AuthToken]] = {}  # token digest -> (checked at, ...)
# Enough for every service account of a busy deployment; past it the oldest half is dropped.
MAX_ENTRIES = 4096


class CachedTokenAuthentication(TokenAuthentication):
    """Knox token authentication that remembers a good token for a few seconds."""

    def authenticate_credentials(self, token: bytes):
        ttl = settings.API_TOKEN_CACHE_SECONDS
        try:
            digest = hash_token(token.decode("utf-8"))
        except (TypeError, ValueError, UnicodeDecodeError):
            return super().authenticate_credentials(token)
        now = time.monotonic()
        found = _checked.get(digest)
        if found is not None and now - found[0] < ttl:
            _, user, auth_token = found
            if auth_token.expiry is None or auth_token.expiry > timezone.now():
                # Each request gets its own copies, so nothing one sets leaks into another.
                return copy.copy(user), copy.copy(auth_token)
        user, auth_token = super().authenticate_credentials(token)
        if ttl > 0:
            user.organisation  # noqa: B018 - loaded now, so cached hits need no query for it
            with _lock:
                if len(_checked) >= MAX_ENTRIES:
                    for stale in sorted(_checked, key=lambda k: _checked[k][0])[: MAX_ENTRIES // 2]:
                        del _checked[stale]
                _checked[digest] = (now, user, auth_token)
        return user, auth_token


class CachedTokenScheme(KnoxTokenScheme):
    """The same "Token <secret>" scheme in the OpenAPI document as knox's own."""

    target_class = "passports.api.auth.CachedTokenAuthentication"


def token_cache_clear() -> None:
    """Forgets every token checked by this process."""
    with _lock:
        _checked.clear()


@receiver(post_save, sender=AuthToken)
@receiver(post_delete, sender=AuthToken)
@receiver(post_save, sender=User)
@receiver(post_delete, sender=User)
@receiver(post_save, sender=Organisation)
@receiver(post_delete, sender=Organisation)
def _forget_on_change(**kwargs) -> None:
    token_cache_clear()
