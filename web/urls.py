"""The interface's URLs; each role area keeps its own list."""

from django.urls import include, path

from web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("console/", include("web.console.urls")),
    path("intake/", include("web.intake.urls")),
    path("dashboard/", include("web.dashboard.urls")),
]
