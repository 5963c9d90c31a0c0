"""The interface's URLs; each role area keeps its own list."""

from django.urls import include, path
from django.views.generic import RedirectView

from web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", views.favicon, name="favicon"),
    # The README names the areas by these addresses; each opens at its first page.
    path("console/", RedirectView.as_view(pattern_name="web:console-passports")),
    path("intake/", RedirectView.as_view(pattern_name="web:intake-scan")),
    path("console/", include("web.console.urls")),
    path("intake/", include("web.intake.urls")),
    path("dashboard/", include("web.dashboard.urls")),
]
