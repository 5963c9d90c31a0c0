"""The page behind every QR code, for people: the passport at the reader's tier."""

from django.shortcuts import render


def passport_page(request, *, passport, data: dict, user, tier: str):
    """Renders the passport as the resolver filtered it for this reader."""
    return render(request, "web/passport.html", {"passport": data, "tier": tier})
