"""Pages outside the role areas: the landing page."""

from django.shortcuts import redirect, render
from django.urls import reverse

from web.access import home_area

AREA_START = {
    "console": "web:console-passports",
    "intake": "web:intake-scan",
    "dashboard": "web:dashboard",
}


def home(request):
    """Signed-in people go straight to their organisation's area; everyone else sees the landing."""
    area = home_area(request.user)
    if area is not None:
        return redirect(reverse(AREA_START[area]))
    return render(request, "web/home.html")
