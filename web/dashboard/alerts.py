"""Cloned-label alerts for regulators: open alerts with their evidence, dismissed with a reason.

The page reads the evidence each rule stored (recycling/services/alerts.py) and says it in words;
dismissing goes through the same compare-and-set as `/api/v1/alerts/{id}/dismiss/`.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from passports.models import Passport
from recycling.models import AlertRule, CloneAlert
from web.access import area_required

RULE_LABELS = {
    AlertRule.SCANNED_AFTER_END: gettext_lazy("Scanned after its end of life"),
    AlertRule.SCANNED_BY_TWO: gettext_lazy("Scanned by two organisations"),
    AlertRule.COLLECTED_OUTSIDE_MARKET: gettext_lazy("Collected outside its market"),
}
MAX_REASON = 2000
RECENTLY_DISMISSED = 20


def _scan_line(scan: dict) -> str:
    return _("Opened at intake by %(organisation)s (%(kind)s) at %(at)s") % {
        "organisation": scan["organisation"]["name"],
        "kind": scan["organisation"]["kind"],
        "at": scan["at"].replace("T", " ")[:16] + " UTC",
    }


def _event_line(event: dict) -> str:
    return _("%(type)s signed by %(organisation)s at %(at)s") % {
        "type": event["type"],
        "organisation": event["actor"]["name"],
        "at": event["time"].replace("T", " ")[:16] + " UTC",
    }


def evidence_lines(alert: CloneAlert) -> list[str]:
    """The alert's evidence as sentences, in the order a reader checks them."""
    evidence = alert.evidence
    if alert.rule == AlertRule.SCANNED_AFTER_END:
        lines = [_scan_line(evidence["scan"])]
        if evidence.get("ended_by"):
            lines.append(_event_line(evidence["ended_by"]))
        return lines
    if alert.rule == AlertRule.SCANNED_BY_TWO:
        lines = [_scan_line(scan) for scan in evidence["scans"]]
        lines.append(
            _("No handover between them within %(hours)s hours.")
            % {"hours": evidence["window_hours"]}
        )
        return lines
    collection = evidence["collection"]
    placed = evidence["placed_on_market"]
    return [
        _("Placed on the market in %(country)s on %(date)s.")
        % {"country": placed["country"], "date": placed["date"] or "?"},
        _("Collected in %(region)s by %(organisation)s at %(at)s.")
        % {
            "region": collection["region"],
            "organisation": collection["collector"]["name"],
            "at": collection["collected_at"].replace("T", " ")[:16] + " UTC",
        },
        _("No handover to an organisation in %(country)s before it.")
        % {"country": collection["country"]},
    ]


def _rows(alerts, errors: dict | None = None, reasons: dict | None = None) -> list[dict]:
    passports = Passport.objects.in_bulk({alert.passport_id for alert in alerts})
    return [
        {
            "alert": alert,
            "rule": RULE_LABELS.get(alert.rule, alert.rule),
            "passport": passports[alert.passport_id],
            "evidence": evidence_lines(alert),
            "error": (errors or {}).get(alert.pk, ""),
            "reason": (reasons or {}).get(alert.pk, ""),
        }
        for alert in alerts
    ]


def _context(errors: dict | None = None, reasons: dict | None = None) -> dict:
    alerts = CloneAlert.objects.select_related("dismissed_by")
    dismissed = alerts.filter(dismissed_at__isnull=False).order_by("-dismissed_at")
    return {
        "open_alerts": _rows(list(alerts.open()), errors, reasons),
        "dismissed_alerts": _rows(list(dismissed[:RECENTLY_DISMISSED])),
        "max_reason": MAX_REASON,
    }


@area_required("dashboard")
def alerts(request):
    """Open alerts with their evidence and a dismiss form each; the latest dismissals below."""
    return render(request, "web/dashboard/alerts.html", _context())


@area_required("dashboard")
@require_POST
def alert_dismiss(request, pk):
    """Dismisses one alert with the reason given; an empty reason is refused beside the form."""
    alert = CloneAlert.objects.filter(pk=pk).first()
    if alert is None:
        raise Http404
    reason = request.POST.get("reason", "").strip()
    problem = ""
    if not reason:
        problem = _("Say why this is not a copied label.")
    elif len(reason) > MAX_REASON:
        problem = _("At most %(count)s characters.") % {"count": MAX_REASON}
    if problem:
        context = _context(errors={alert.pk: problem}, reasons={alert.pk: reason})
        return render(request, "web/dashboard/alerts.html", context, status=400)
    user = request.user
    if not alert.dismiss(organisation=user.organisation, person=user, reason=reason):
        messages.error(request, _("This alert was already dismissed."))
    else:
        messages.success(request, _("Alert dismissed; the reason is kept with it."))
    return redirect("web:dashboard-alerts")
