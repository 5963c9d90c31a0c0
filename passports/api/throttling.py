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
