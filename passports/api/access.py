"""Who is calling: the organisation behind a request, and role checks for writes."""

from rest_framework.permissions import BasePermission

from passports.models import Organisation, OrganisationKind


def organisation_of(request) -> Organisation | None:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return user.organisation


class IsManufacturer(BasePermission):
    message = "Only manufacturers register passports."

    def has_permission(self, request, view) -> bool:
        org = organisation_of(request)
        return org is not None and org.kind == OrganisationKind.MANUFACTURER
