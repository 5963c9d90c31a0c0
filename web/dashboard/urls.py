from django.urls import path

from django.views.generic import TemplateView

home = TemplateView.as_view(template_name="web/home.html")

# Placeholder routes so the navigation resolves; the dashboard replaces them.
urlpatterns = [
    path("", home, name="dashboard"),
    path("inventory/", home, name="dashboard-inventory"),
    path("forecast/", home, name="dashboard-forecast"),
    path("log/", home, name="dashboard-log"),
]
