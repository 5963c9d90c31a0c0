"""Who may open which part of the interface: each area belongs to kinds of organisation."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from passports.models import OrganisationKind

AREA_KINDS = {
    "console": {OrganisationKind.MANUFACTURER},
    "intake": {OrganisationKind.RECYCLER, OrganisationKind.COLLECTOR},
    "dashboard": {OrganisationKind.REGULATOR},
}


def organisation_kind(user) -> str | None:
    """The kind of the signed-in user's organisation, or None for anonymous or unattached users."""
    organisation = getattr(user, "organisation", None) if user.is_authenticated else None
    return organisation.kind if organisation is not None else None


def home_area(user) -> str | None:
    """The area a signed-in user lands in, by the kind of their organisation."""
    kind = organisation_kind(user)
    return next((area for area, kinds in AREA_KINDS.items() if kind in kinds), None)


def area_required(area: str):
    """Signed-in users of the organisation kinds that own `area`; others get 403."""

    def decorate(view):
        @login_required
        @wraps(view)
        def guarded(request, *args, **kwargs):
            if organisation_kind(request.user) not in AREA_KINDS[area]:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return guarded

    return decorate
