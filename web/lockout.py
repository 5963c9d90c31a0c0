"""The sign-in page's answer once django-axes has locked a username or address out."""

from axes.helpers import get_cool_off
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import render
from django.utils.translation import gettext


def lockout_response(request, original_response=None, credentials=None):
    """The sign-in form again, status 429, saying when to retry; Retry-After says it to tools."""
    cool_off = get_cool_off(request)
    minutes = max(1, round(cool_off.total_seconds() / 60)) if cool_off else None
    message = (
        gettext("Too many failed sign-ins. Try again in %(minutes)d minutes.")
        % {"minutes": minutes}
        if minutes
        else gettext("Too many failed sign-ins. Ask an administrator to unlock the account.")
    )
    response = render(
        request,
        "registration/login.html",
        {"form": AuthenticationForm(request), "lockout": message, "next": ""},
        status=429,
    )
    if cool_off:
        response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response
