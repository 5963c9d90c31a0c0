"""The regulator dashboard's pages."""

from django.urls import path

from web.dashboard import (
    alerts,
    forecast,
    inventory,
    log,
    passports,
    recovery,
    report,
    self_sufficiency,
    statistic,
    supply,
)

urlpatterns = [
    path("", recovery.recovery, name="dashboard"),
    path("statistics/content/", statistic.content, name="dashboard-content"),
    path("statistics/<str:digest>/", statistic.statistic, name="dashboard-statistic"),
    path("batches/<uuid:pk>/", statistic.batch, name="dashboard-batch"),
    path("passports/<uuid:pk>/", passports.passport, name="dashboard-passport"),
    path("passports/<uuid:pk>/bundle/", passports.bundle, name="dashboard-bundle"),
    path("report/", report.report, name="dashboard-report"),
    path("inventory/", inventory.inventory, name="dashboard-inventory"),
    path("forecast/", forecast.forecast, name="dashboard-forecast"),
    path("supply/", supply.supply, name="dashboard-supply"),
    path(
        "self-sufficiency/",
        self_sufficiency.self_sufficiency,
        name="dashboard-self-sufficiency",
    ),
    path("log/", log.log, name="dashboard-log"),
    path("log/cosign/", log.cosign, name="dashboard-cosign"),
    path("alerts/", alerts.alerts, name="dashboard-alerts"),
    path("alerts/<uuid:pk>/dismiss/", alerts.alert_dismiss, name="dashboard-alert-dismiss"),
]
