"""The intake forms: Django renders the fields, the API's serializers judge the values.

Every field is a plain text field on the Django side, so the only validation messages a person
sees are the API's own (field by field, in the same words), mapped back onto the form.
"""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from passports.models import ProductType
from recycling.categories import CATEGORIES
from web.intake.labels import COUNTS_AS, PROCESS_ROUTES, PRODUCT_TYPES


def number_input(**attrs) -> forms.NumberInput:
    return forms.NumberInput(attrs={"step": "any", "min": "0", "inputmode": "decimal", **attrs})


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"})


def text(label, **kwargs) -> forms.CharField:
    return forms.CharField(label=label, required=False, strip=True, **kwargs)


def moment_of(day: str) -> str:
    """A date from a date picker as the moment the API expects: now if today, else midday UTC.

    Anything that is not a date passes through unchanged, so the serializer reports it."""
    if not day:
        return day
    try:
        chosen = dt.date.fromisoformat(day)
    except ValueError:
        return day
    now = timezone.now()
    if chosen == now.date():
        return now.isoformat()
    return dt.datetime.combine(chosen, dt.time(12), tzinfo=dt.UTC).isoformat()


def given(body: dict) -> dict:
    """Leaves out fields left empty, so the serializer says "This field is required." rather
    than judging an empty string as a malformed number or date."""
    return {key: value for key, value in body.items() if value != ""}


def errors_apply(form: forms.Form, errors: list[dict], fields: dict[str, str]) -> None:
    """Puts API errors ({field, message}) on the form field they name, or on the form.

    `fields` maps an API field path to a form field, or a path prefix ending in "." to a field
    name stem, so that "assay." -> "assay_" puts `assay.Co` on `assay_Co`."""
    for error in errors:
        path, message = error["field"], error["message"]
        target = fields.get(path)
        if target is None:
            for prefix, stem in fields.items():
                if prefix.endswith(".") and path.startswith(prefix):
                    candidate = stem + path.removeprefix(prefix)
                    target = candidate if candidate in form.fields else None
                    break
        form.add_error(target if target in form.fields else None, message)


class IdentifierForm(forms.Form):
    """What was scanned, photographed or typed."""

    code = forms.CharField(
        label=_("Passport identifier"),
        max_length=500,
        help_text=_(
            "A Digital Link URI as printed in the QR code, 01/<GTIN>/21/<serial>, or a passport id."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class CollectionForm(forms.Form):
    """One product taken back: when, where, and optionally its weighed mass."""

    collected_on = text(_("Collection date"), widget=date_input())
    region = text(
        _("Region"),
        help_text=_("ISO 3166-2 code of where it was collected, e.g. DE-BY."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "size": "8"}),
    )
    mass_kg = text(
        _("Weighed mass (kg)"), help_text=_("Optional; leave empty if not weighed."),
        widget=number_input(),
    )  # fmt: skip

    def api_body(self, passport_id) -> dict:
        data = self.cleaned_data
        item = {"passport": str(passport_id)}
        if data["mass_kg"]:
            item["mass_kg"] = data["mass_kg"]
        return given(
            {
                "region": data["region"].upper(),
                "collected_at": moment_of(data["collected_on"]),
                "items": [item],
            }
        )

    API_FIELDS = {
        "region": "region",
        "collected_at": "collected_on",
        "items[0].occurred_at": "collected_on",
        "items[0].mass_kg": "mass_kg",
    }


class BatchInputForm(forms.Form):
    """A waste product into one of the recycler's open batches, with an optional assay."""

    batch = text(_("Open batch"), widget=forms.Select())
    mass_kg = text(_("Input mass (kg)"), widget=number_input())

    def __init__(self, *args, batches=(), elements=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["batch"].widget.choices = [("", _("Choose a batch"))] + list(batches)
        self.elements = list(elements)
        for element in self.elements:
            self.fields[f"assay_{element}"] = text(
                _("%(element)s by assay (kg)") % {"element": element}, widget=number_input()
            )

    def assay_fields(self):
        return [self[f"assay_{element}"] for element in self.elements]

    def api_body(self, passport_id) -> dict:
        data = self.cleaned_data
        assay = {e: data[f"assay_{e}"] for e in self.elements if data.get(f"assay_{e}")}
        return given({"passport": str(passport_id), "mass_kg": data["mass_kg"], "assay": assay})

    API_FIELDS = {"batch": "batch", "mass_kg": "mass_kg", "assay.": "assay_"}


class HandoverForm(forms.Form):
    """The held waste handed on to the organisation that takes it, usually a recycler."""

    recipient = text(_("Hand over to"), widget=forms.Select())
    handed_on = text(
        _("Handover date"), help_text=_("Optional; today if left empty."), widget=date_input()
    )

    def __init__(self, *args, recipients=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipient"].widget.choices = [("", _("Choose an organisation"))] + list(
            recipients
        )

    def api_body(self) -> dict:
        """The body of POST /api/v1/passports/{id}/events/ for this handover."""
        data = self.cleaned_data
        handed_on = data["handed_on"] or timezone.localdate().isoformat()
        return {
            "type": "ownership_transferred",
            "occurred_at": moment_of(handed_on),
            "payload": {"to": data["recipient"]},
        }

    API_FIELDS = {"occurred_at": "handed_on", "payload.to": "recipient"}


def product_type_choices():
    return [(code, PRODUCT_TYPES[code]) for code in ProductType.values]


def category_choice_groups():
    """Chemistry categories grouped by product type, for one select."""
    return [
        (PRODUCT_TYPES[product], [(c, c) for c in sorted(set(categories.values()))])
        for product, categories in CATEGORIES.items()
    ]


class BatchOpenForm(forms.Form):
    """A new treatment batch at one of the recycler's sites."""

    process_route = text(
        _("Process route"), widget=forms.Select(choices=list(PROCESS_ROUTES.items()))
    )
    product_type = text(_("Product type"), widget=forms.Select(choices=product_type_choices()))
    chemistry_category = text(
        _("Chemistry category"), widget=forms.Select(choices=category_choice_groups())
    )
    site_country = text(_("Site country"), help_text=_("ISO 3166-1 alpha-2, e.g. DE."))
    site_region = text(_("Site region"), help_text=_("Optional, e.g. DE-BY."))
    started_on = text(_("Start date"), widget=date_input())
    declared_loss_kg = text(
        _("Declared losses (kg)"),
        help_text=_("Mass known to leave the process unrecorded, e.g. moisture and dust."),
        widget=number_input(),
    )

    def api_body(self) -> dict:
        data = self.cleaned_data
        site = {"country": data["site_country"].upper()}
        if data["site_region"]:
            site["region"] = data["site_region"].upper()
        body = {
            "process_route": data["process_route"],
            "product_type": data["product_type"],
            "chemistry_category": data["chemistry_category"],
            "site": site,
            "started_at": moment_of(data["started_on"]),
        }
        if data["declared_loss_kg"]:
            body["declared_loss_kg"] = data["declared_loss_kg"]
        return given(body)

    API_FIELDS = {
        "process_route": "process_route",
        "product_type": "product_type",
        "chemistry_category": "chemistry_category",
        "site.country": "site_country",
        "site.region": "site_region",
        "started_at": "started_on",
        "declared_loss_kg": "declared_loss_kg",
    }


class OutputForm(forms.Form):
    """An output fraction with the element masses recovered in it."""

    fraction = text(_("Fraction"), help_text=_("e.g. black mass, copper foil."))
    counts_as = text(_("Counts as"), widget=forms.Select(choices=list(COUNTS_AS.items())))
    mass_kg = text(_("Mass (kg)"), widget=number_input())
    origin_mass_kg = text(
        _("Mass from the input (kg)"),
        help_text=_("Leave empty if all of it comes from the input (no reagents added)."),
        widget=number_input(),
    )
    destination = text(_("Destination"), help_text=_("Optional."))
    other_element = text(
        _("Another element"), help_text=_("Symbol, e.g. Cu."),
        widget=forms.TextInput(attrs={"size": "4", "data-other-element": ""}),
    )  # fmt: skip
    other_element_kg = text(
        _("Its mass (kg)"), widget=number_input(**{"data-other-element-mass": ""})
    )

    def __init__(self, *args, elements=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.elements = list(elements)
        for element in self.elements:
            self.fields[f"element_{element}"] = text(
                _("%(element)s recovered (kg)") % {"element": element},
                widget=number_input(**{"data-element": element}),
            )

    def element_fields(self):
        return [self[f"element_{element}"] for element in self.elements]

    def other_symbol(self) -> str:
        """The extra element as a symbol is written ("cu" -> "Cu")."""
        typed = self.cleaned_data["other_element"]
        return typed[:1].upper() + typed[1:].lower()

    def clean(self):
        data = super().clean()
        if data.get("other_element_kg") and not data.get("other_element"):
            self.add_error("other_element", _("Give the element's symbol."))
        return data

    def api_body(self) -> dict:
        data = self.cleaned_data
        elements = {e: data[f"element_{e}"] for e in self.elements if data.get(f"element_{e}")}
        if data["other_element"]:
            elements[self.other_symbol()] = data["other_element_kg"]
        body = {
            "fraction": data["fraction"],
            "counts_as": data["counts_as"],
            "mass_kg": data["mass_kg"],
            "elements": elements,
        }
        if data["origin_mass_kg"]:
            body["origin_mass_kg"] = data["origin_mass_kg"]
        if data["destination"]:
            body["destination"] = data["destination"]
        return given(body)

    def api_fields(self) -> dict[str, str]:
        fields = {
            "fraction": "fraction",
            "counts_as": "counts_as",
            "mass_kg": "mass_kg",
            "origin_mass_kg": "origin_mass_kg",
            "destination": "destination",
            "elements": "other_element",
        }
        if self.cleaned_data.get("other_element"):
            fields[f"elements.{self.other_symbol()}"] = "other_element_kg"
        return {**fields, "elements.": "element_"}
