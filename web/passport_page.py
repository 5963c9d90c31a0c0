"""The page behind every QR code, for people: the passport at the reader's tier."""

from django.shortcuts import render

from web.passport.context import page_context


def passport_page(request, *, passport, data: dict, user, tier: str):
    """Renders the passport as the resolver filtered it for this reader."""
    context = page_context(request, passport=passport, data=data, user=user, tier=tier)
    # A copy served from another operator's backup archive says so, and from where.
    context["archived_from"] = passport.archived_from
    return render(request, "web/passport.html", context)
