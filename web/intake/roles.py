"""Who inside the intake area may do what: batches belong to recyclers only."""

from functools import wraps

from django.core.exceptions import PermissionDenied

from passports.models import OrganisationKind
from web.access import area_required


def recycler_required(view):
    """Signed-in recyclers; collectors share the intake area but run no treatment batches."""

    @area_required("intake")
    @wraps(view)
    def guarded(request, *args, **kwargs):
        if request.user.organisation.kind != OrganisationKind.RECYCLER:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return guarded
