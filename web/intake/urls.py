from django.urls import path

from django.views.generic import TemplateView

home = TemplateView.as_view(template_name="web/home.html")

# Placeholder routes so the navigation resolves; intake replaces them.
urlpatterns = [
    path("scan/", home, name="intake-scan"),
    path("batches/", home, name="intake-batches"),
]
