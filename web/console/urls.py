from django.urls import path

from django.views.generic import TemplateView

home = TemplateView.as_view(template_name="web/home.html")

# Placeholder routes so the navigation resolves; the console replaces them.
urlpatterns = [
    path("passports/", home, name="console-passports"),
    path("register/", home, name="console-register"),
    path("import/", home, name="console-import"),
    path("labels/", home, name="console-labels"),
]
