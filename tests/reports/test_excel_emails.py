"""The emails around the Excel report (meter report, new devices found, alerts) as a recipient reads them.

Rendered with a standalone template engine over reports/templates (and portal/templates, which holds the layout
every email extends), so they are checked before the reports app is wired into the portal's settings.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.template import Context, Engine
from django.utils import timezone

from reports.excel.summary import Summary

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = [ROOT / "reports" / "templates", ROOT / "portal" / "templates"]
DEALER = {"dealer_name": "Acme Copiers & Co", "dealer_email": "service@acme.example", "dealer_phone": None}
KYOCERA = {
    "manufacturer": "Kyocera",
    "model": "ECOSYS M2640idw",
    "serial": "VCF9000001",
    "ip": "10.0.0.7",
    "location": "Büro <2>",
}


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(
        dirs=[str(path) for path in TEMPLATES], libraries={"humanize": "django.contrib.humanize.templatetags.humanize"}
    )


def render(engine: Engine, email: str, context: dict[str, object]) -> dict[str, str]:
    with timezone.override("America/New_York"):
        return {
            part: engine.get_template(f"reports/email/{email}/{part}").render(Context({**DEALER, **context}))
            for part in ("subject.txt", "body.txt", "body.html")
        }


def test_meter_report_email_names_customer_period_and_pages(engine: Engine) -> None:
    summary = Summary(devices=42, new=2, stale=1, flagged=0, pages={"total": 123_456, "mono": 100_000})
    mail = render(
        engine,
        "meter_report",
        {
            "customer_name": "Globex",
            "site_name": None,
            "period_start": date(2026, 11, 1),
            "period_end": date(2026, 11, 30),
            "generated_at": datetime(2026, 12, 1, 12, 0, tzinfo=UTC),
            "summary": summary,
            "filename": "Globex-2026-11-30.xlsx",
            "portal_url": None,
        },
    )
    subject = mail["subject.txt"].strip()
    assert subject == "Acme Copiers & Co meter report: Globex, 1 Nov 2026 to 30 Nov 2026"
    assert "\n" not in subject
    assert "Total:  123,456" in mail["body.txt"] and "New devices: 2" in mail["body.txt"]
    assert "Colour:" not in mail["body.txt"]  # no colour counter in the fleet: not a 0
    assert "1 Dec 2026, 07:00 EST" in mail["body.txt"]
    assert "Acme Copiers &amp; Co" in mail["body.html"] and "123,456" in mail["body.html"]


def test_toner_alert_email_lists_condition_device_site_and_level(engine: Engine) -> None:
    mail = render(
        engine,
        "alert",
        {
            "condition": "Cyan toner low",
            "kind": "toner",
            "cleared": False,
            "detail": None,
            "supply": "Cyan Cartridge HP W2031A",
            "level_percent": 9,
            "threshold_percent": 15,
            "raised_at": datetime(2026, 11, 20, 14, 5, tzinfo=UTC),
            "cleared_at": None,
            "device": KYOCERA,
            "customer_name": "Globex",
            "site_name": "Head office",
            "portal_url": None,
        },
    )
    subject, text = mail["subject.txt"].strip(), mail["body.txt"]
    assert subject == "Acme Copiers & Co: Cyan toner low on ECOSYS M2640idw (VCF9000001) at Globex, Head office"
    assert "Level:     9%, alert at 15% or less" in text
    assert "Site:      Head office" in text and "20 Nov 2026, 09:05 EST" in text
    assert "Cleared" not in text


def test_cleared_service_alert_says_so(engine: Engine) -> None:
    mail = render(
        engine,
        "alert",
        {
            "condition": "Paper jam",
            "kind": "service",
            "cleared": True,
            "detail": "Jam in tray 2",
            "raised_at": datetime(2026, 11, 20, 14, 5, tzinfo=UTC),
            "cleared_at": datetime(2026, 11, 20, 15, 0, tzinfo=UTC),
            "device": KYOCERA,
            "customer_name": "Globex",
            "site_name": None,
            "portal_url": None,
        },
    )
    assert mail["subject.txt"].strip().startswith("Acme Copiers & Co: Cleared: Paper jam on")
    assert "This alert has cleared." in mail["body.txt"]
    assert "Cleared:   20 Nov 2026, 10:00 EST" in mail["body.txt"]
    assert "Level:" not in mail["body.txt"]
    assert "Cleared: Paper jam" in mail["body.html"]
