"""Registering one passport by form, through the same validation and service as the API."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from lifecycle.services.registration import RegistrationConflict, passports_register
from passports.api.errors import flatten_errors
from passports.declaration import PassportDeclaration
from web.access import area_required
from web.console.declaration_form import PRODUCT_TYPE_LABELS, RegistrationForm

TEMPLATE = "web/console/register.html"


@area_required("console")
@require_http_methods(["GET", "POST"])
def register(request):
    """Shows the form; a valid post registers the passport and opens it, else 400 with messages."""
    if request.method == "GET":
        return _page(request, RegistrationForm.blank({"product_type": "battery"}))
    add_rows = request.POST.get("add_rows", "")
    form = RegistrationForm.blank(request.POST, add_rows=add_rows)
    if add_rows:
        # Asking for more rows is not a submission: no validation, nothing stored.
        return _page(request, form)
    organisation = request.user.organisation
    declaration, rows = form.declaration()
    checked = PassportDeclaration(
        data=declaration, context={"gs1_company_prefix": organisation.gs1_company_prefix}
    )
    valid = checked.is_valid()
    if not valid or form.error_count:  # the JSON input may be unreadable
        form.show_errors(flatten_errors(checked.errors) if not valid else [], rows)
        return _page(request, form, status=400)
    try:
        (passport,) = passports_register(
            organisation=organisation, declarations=[checked.validated_data]
        )
    except RegistrationConflict as conflict:
        form.show_errors([{"field": f, "message": m} for _i, f, m in conflict.conflicts], rows)
        return _page(request, form, status=409)
    messages.success(request, _("Passport registered and its genesis event signed."))
    return redirect("web:console-passport", pk=passport.pk)


def _page(request, form: RegistrationForm, status: int = 200):
    return render(
        request,
        TEMPLATE,
        {"form": form, "product_types": PRODUCT_TYPE_LABELS},
        status=status,
    )
