"""The manufacturer console: its own passports, registration, CSV import, health, labels."""

from django.urls import path

from web.console.views import health, imports, labels, passports, register

urlpatterns = [
    path("passports/", passports.passport_list, name="console-passports"),
    path("passports/<uuid:pk>/", passports.passport_detail, name="console-passport"),
    path("passports/<uuid:pk>/health/", health.health_report, name="console-health"),
    path("register/", register.register, name="console-register"),
    path("import/", imports.import_upload, name="console-import"),
    path("import/template.csv", imports.import_template, name="console-import-template"),
    path(
        "import/template-pv-magnets.csv",
        imports.import_template,
        {"family": "pv_magnet"},
        name="console-import-template-pv-magnet",
    ),
    path("import/valid-rows/", imports.import_valid_rows, name="console-import-valid"),
    path("labels/", labels.labels, name="console-labels"),
    path("labels/sheet.svg", labels.label_sheet_svg, name="console-label-sheet"),
]
