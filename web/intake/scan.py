"""The scan page: camera, photo or typed code, all submitted to the same lookup."""

from django.shortcuts import redirect, render

from web.access import area_required
from web.intake.forms import IdentifierForm
from web.intake.identify import UnknownCode, passport_identify


@area_required("intake")
def scan(request):
    """Shows the scanner; with a `code`, opens the passport it names or says why it cannot."""
    form = IdentifierForm(request.GET if "code" in request.GET else None)
    if not form.is_bound:
        return render(request, "web/intake/scan.html", {"form": form})
    if form.is_valid():
        try:
            passport = passport_identify(form.cleaned_data["code"])
        except UnknownCode as unknown:
            form.add_error("code", str(unknown))
        else:
            return redirect("web:intake-passport", pk=passport.pk)
    return render(request, "web/intake/scan.html", {"form": form}, status=400)
