"""Root URLs: the API under /api/v1/, the resolver at the GS1 Digital Link paths."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from lifecycle.api import did, log, tiles
from lifecycle.api.batch import EventBatchView
from lifecycle.api.passports import PassportViewSet
from passports import resolver, views
from passports.api.organisations import OrganisationViewSet
from passports.api.tokens import TokenViewSet
from passports.registry.api import DeliveryViewSet
from passports.untp.views import PassportCredentialView, organisation_did_view
from recycling.api import audit, forecasts, self_sufficiency, statistics, supply
from recycling.api.alerts import AlertViewSet
from recycling.api.records import BatchViewSet, CollectionViewSet
from recycling.epcis import api as epcis

router = DefaultRouter(trailing_slash=True)
router.register("passports", PassportViewSet, basename="passport")
router.register("organisations", OrganisationViewSet, basename="organisation")
router.register("collections", CollectionViewSet, basename="collection")
router.register("batches", BatchViewSet, basename="batch")
router.register("tokens", TokenViewSet, basename="token")
router.register("alerts", AlertViewSet, basename="alert")
router.register("registry/deliveries", DeliveryViewSet, basename="registry-delivery")

urlpatterns = [
    # The resolver first: every QR scan lands here, and Django tries patterns in order (no other
    # pattern can match a path starting with 01/ or p/, so the order changes no answer).
    path("01/<str:gtin>/21/<path:serial>", resolver.resolve_gtin, name="resolve-gtin"),
    re_path(r"^01/(?P<gtin>[^/]+)(?P<rest>/.*)?$", resolver.resolve_without_serial),
    re_path(r"^p/(?P<passport_id>[^/]+)$", resolver.resolve_uuid, name="resolve-uuid"),
    # Then the log: tiles and proofs are the next most frequent and cheapest answers (behind
    # the router's patterns, a proof's took 0.1 ms more to find).
    path("tile/<path:path>", tiles.tile, name="log-tile"),
    path("checkpoint", tiles.checkpoint, name="log-tile-checkpoint"),
    path("api/v1/log/checkpoint", log.latest_checkpoint, name="log-checkpoint"),
    path("api/v1/log/checkpoints/", log.CheckpointList.as_view(), name="log-checkpoints"),
    path("api/v1/log/checkpoints/<int:size>/cosign", log.cosign, name="log-cosign"),
    path("api/v1/log/proof/inclusion", log.inclusion, name="log-inclusion"),
    path("api/v1/log/proof/consistency", log.consistency, name="log-consistency"),
    path("api/v1/log/leaves", log.leaves, name="log-leaves"),
    path("api/v1/log/vkey", log.vkey, name="log-vkey"),
    path("api/v1/log/witnesses", log.witnesses, name="log-witnesses"),
    # Two explicit paths, so the OpenAPI document lists both; one name, told apart by `fmt`.
    path(
        "api/v1/passports/<uuid:pk>/qr.svg",
        views.PassportQrSvg.as_view(),
        {"fmt": "svg"},
        name="passport-qr",
    ),
    path(
        "api/v1/passports/<uuid:pk>/qr.png",
        views.PassportQrPng.as_view(),
        {"fmt": "png"},
        name="passport-qr",
    ),
    path(
        "api/v1/passports/<uuid:pk>/credential",
        PassportCredentialView.as_view(),
        name="passport-credential",
    ),
    path("api/v1/", include(router.urls)),
    path("api/v1/events/batch", EventBatchView.as_view(), name="event-batch"),
    path("api/v1/statistics/recovery", statistics.recovery, name="statistics-recovery"),
    path("api/v1/inventory", statistics.inventory, name="inventory"),
    path("api/v1/audit/report", audit.report, name="audit-report"),
    path("api/v1/supply/concentration", supply.concentration, name="supply-concentration"),
    path(
        "api/v1/supply/import-dependence", supply.import_dependence, name="supply-import-dependence"
    ),
    path("api/v1/supply/recycled-share", supply.recycled_share, name="supply-recycled-share"),
    path("api/v1/forecasts/urban-mine", forecasts.urban_mine, name="forecast-urban-mine"),
    path(
        "api/v1/forecasts/stock-model",
        forecasts.StockModelView.as_view(),
        name="forecast-stock-model",
    ),
    path(
        "api/v1/forecasts/self-sufficiency",
        self_sufficiency.self_sufficiency,
        name="forecast-self-sufficiency",
    ),
    path("api/schema/", views.SchemaView.as_view(), name="schema"),
    path("api/v1/epcis/events", epcis.events, name="epcis-events"),
    path("api/v1/epcis/capture", epcis.capture, name="epcis-capture"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path(".well-known/jwks.json", views.jwks, name="jwks"),
    path(".well-known/gs1resolver", resolver.resolver_description, name="gs1-resolver-description"),
    path(".well-known/did.json", did.service_did, name="service-did"),
    path("orgs/<path:organisation_id>/did.json", organisation_did_view, name="organisation-did"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("web.urls")),
]

# Unknown API addresses answer JSON like every other API error (with DEBUG off).
handler404 = "passports.views.not_found"
