"""The intake area: scanning products, their end-of-life actions, and treatment batches."""

from django.urls import path

from web.intake import batches, passport, scan

urlpatterns = [
    path("scan/", scan.scan, name="intake-scan"),
    path("passports/<uuid:pk>/", passport.passport_detail, name="intake-passport"),
    path("passports/<uuid:pk>/collect/", passport.collection_add, name="intake-collect"),
    path("passports/<uuid:pk>/hand-over/", passport.handover_create, name="intake-handover"),
    path(
        "passports/<uuid:pk>/batch-input/",
        passport.batch_input_create,
        name="intake-batch-input",
    ),
    path("batches/", batches.batch_list, name="intake-batches"),
    path("batches/new/", batches.batch_new, name="intake-batch-new"),
    path("batches/<uuid:pk>/", batches.batch_detail, name="intake-batch"),
    path("batches/<uuid:pk>/outputs/", batches.batch_output_create, name="intake-batch-output"),
    path("batches/<uuid:pk>/close/", batches.batch_close_view, name="intake-batch-close"),
]
