"""Pages outside the role areas: the landing page and the favicon browsers ask for."""

from django.shortcuts import redirect, render
from django.templatetags.static import static
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


def favicon(request):
    """Browsers ask for /favicon.ico before reading the page's icon link: send them to it."""
    return redirect(static("web/favicon.svg"), permanent=True)
