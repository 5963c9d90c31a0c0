"""Template context every page needs: the signed-in user's area for the navigation."""

from web.access import home_area, organisation_kind


def navigation(request) -> dict:
    """The area and organisation kind of the signed-in user, for the header links."""
    return {
        "nav_area": home_area(request.user),
        "nav_kind": organisation_kind(request.user),
    }
