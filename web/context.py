"""Template context every page needs: the signed-in user's area for the navigation."""

from web.access import home_area, organisation_kind


def navigation(request) -> dict:
    """The area and organisation kind of the signed-in user, for the header links."""
    # An error page may be rendered before the authentication middleware has run (a user
    # agent the common middleware refuses): there is no user to place yet.
    user = getattr(request, "user", None)
    if user is None:
        return {"nav_area": None, "nav_kind": None}
    return {"nav_area": home_area(user), "nav_kind": organisation_kind(user)}
