"""Request rate limits: per token, per organisation, per address for anonymous callers, and
stricter per-caller limits on the endpoints that cost the most to answer.

Counters live in the Django cache (Redis in production, so every web process shares them). The
rates come from settings.API_THROTTLE_RATES on every request rather than once at import, so an
environment override or a test's override_settings applies at once; a rate of None is no limit.
"""

from django.conf import settings
from knox.models import AuthToken
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from passports.api.access import organisation_of
from passports.api.auth import CachedTokenAuthentication

# Endpoints whose answers cost far more than reading one row, by URL name, and their scope.
EXPENSIVE_SCOPES = {
    "passport-bulk": "bulk",
    "epcis-capture": "bulk",
    "event-batch": "bulk",
    "statistics-recovery": "statistics",
    "inventory": "inventory",
    "audit-report": "audit",
    "log-inclusion": "proofs",
    "log-consistency": "proofs",
    "forecast-urban-mine": "forecasts",
    "forecast-stock-model": "forecasts",
    "forecast-self-sufficiency": "forecasts",
    "supply-concentration": "statistics",
    "supply-import-dependence": "statistics",
    "supply-recycled-share": "statistics",
}


def client_address(request) -> str:
    """The caller's address, trusting X-Forwarded-For only as far as API_NUM_PROXIES says, so
    a client cannot pick a fresh address per request; sign-in lockouts use it too."""
    return BaseThrottle().get_ident(request)


def caller_key(request) -> str | None:
    """The token of a token-authenticated call, the user of a session; None when anonymous."""
    if isinstance(request.auth, AuthToken):
        return f"token-{request.auth.token_key}"
    if request.user and request.user.is_authenticated:
        return f"user-{request.user.pk}"
    return None


class ConfiguredRateThrottle(SimpleRateThrottle):
    """A SimpleRateThrottle whose scope and rate are looked up per request."""

    scope: str | None = None

    def __init__(self) -> None:
        # SimpleRateThrottle reads its rate here, once; allow_request reads it each time.
        pass

    def scope_for(self, request, view) -> str | None:
        return self.scope

    def allow_request(self, request, view) -> bool:
        self.scope = self.scope_for(request, view)
        self.rate = settings.API_THROTTLE_RATES.get(self.scope) if self.scope else None
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)


class AnonymousThrottle(ConfiguredRateThrottle):
    """Anonymous calls, per address."""

    scope = "anon"

    def get_cache_key(self, request, view) -> str | None:
        if caller_key(request) is not None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": client_address(request)}


class TokenThrottle(ConfiguredRateThrottle):
    """Authenticated calls, per token (or per person signed in to the web interface)."""

    scope = "token"

    def get_cache_key(self, request, view) -> str | None:
        key = caller_key(request)
        return None if key is None else self.cache_format % {"scope": self.scope, "ident": key}


class OrganisationThrottle(ConfiguredRateThrottle):
    """Authenticated calls, per organisation, so many tokens do not multiply its allowance."""

    scope = "organisation"

    def get_cache_key(self, request, view) -> str | None:
        organisation = organisation_of(request)
        if organisation is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": organisation.pk}


class ExpensiveEndpointThrottle(ConfiguredRateThrottle):
    """The stricter scopes of EXPENSIVE_SCOPES, per token, or per address when anonymous."""

    def scope_for(self, request, view) -> str | None:
        match = getattr(request, "resolver_match", None)
        return EXPENSIVE_SCOPES.get(match.url_name) if match else None

    def get_cache_key(self, request, view) -> str:
        ident = caller_key(request) or client_address(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


PER_CALLER = (AnonymousThrottle, TokenThrottle, OrganisationThrottle, ExpensiveEndpointThrottle)


class _RequestCache:
    """The cache as one request's throttles see it: what one get_many found, and their writes
    kept to be sent together."""

    def __init__(self, found: dict) -> None:
        self.found = found
        self.written: dict[int, dict] = {}  # timeout -> {key: history}

    def get(self, key: str, default=None):
        return self.found.get(key, default)

    def set(self, key: str, value, timeout: int) -> None:
        self.written.setdefault(timeout, {})[key] = value


class CallerThrottle(BaseThrottle):
    """Every limit of PER_CALLER at once: their counters read in one round trip to the cache
    and written back in one (one per distinct period), where each on its own took two.

    Each limit is still decided by its own throttle, as DRF would, on the histories read
    here; the request is refused if any refuses it, and waits as long as the longest says.
    """

    cache = SimpleRateThrottle.cache
    timer = SimpleRateThrottle.timer

    def allow_request(self, request, view) -> bool:
        self.refused: list[ConfiguredRateThrottle] = []
        counted = [t for t in (kind() for kind in PER_CALLER) if _counted_key(t, request, view)]
        if not counted:
            return True
        cache = _RequestCache(self.cache.get_many([t.key for t in counted]))
        for throttle in counted:
            throttle.cache, throttle.timer = cache, self.timer
            if not throttle.allow_request(request, view):
                self.refused.append(throttle)
        for timeout, histories in cache.written.items():
            self.cache.set_many(histories, timeout)
        return not self.refused

    def wait(self) -> float | None:
        waits = [w for w in (t.wait() for t in self.refused) if w is not None]
        return max(waits, default=None)


def _counted_key(throttle: ConfiguredRateThrottle, request, view) -> str | None:
    """The cache key `throttle` counts this request under, or None if it has no limit here."""
    scope = throttle.scope_for(request, view)
    if scope is None or settings.API_THROTTLE_RATES.get(scope) is None:
        return None
    throttle.scope = scope
    throttle.key = throttle.get_cache_key(request, view)
    return throttle.key


class ScanThrottle(ConfiguredRateThrottle):
    """Resolver scans (plain Django views) by callers without a session or a token, per
    address: the public tier is the cheapest page to scrape, so it is counted like the API."""

    scope = "scan"

    def get_cache_key(self, request, view) -> str | None:
        if request.user.is_authenticated or _token_holder(request):
            return None  # people and tokens are accountable; the API limits what they cost
        return self.cache_format % {"scope": self.scope, "ident": client_address(request)}


def _token_holder(request) -> bool:
    """True when the request carries a token that authenticates; a made-up `Authorization`
    header (another scheme, a wrong token) is counted as the anonymous caller it is."""
    try:
        return CachedTokenAuthentication().authenticate(request) is not None
    except AuthenticationFailed:
        return False
