"""The report's and the email's page summary: mono, colour and unsplit add up to the pages printed."""

from reports.excel.data import DeviceRow
from reports.excel.summary import summarize


def device(serial: str, start: dict, now: dict, flags: list[str] | None = None) -> DeviceRow:
    return DeviceRow(
        customer="Acme",
        site="HQ",
        site_time_zone="UTC",
        manufacturer="X",
        model="Y",
        serial=serial,
        ip=None,
        location=None,
        first_seen=None,
        last_read=None,
        meters=now,
        meters_at_period_start=start,
        flags=flags or [],
    )


def test_pages_of_a_printer_that_states_only_a_total_are_unsplit_never_mono() -> None:
    # LISTS states a split of 90 of its 100 pages: the 10 list pages are unsplit too.
    summary = summarize(
        [
            device("SPLIT", {"total": 1_000, "mono": 700, "color": 300}, {"total": 1_500, "mono": 1_100, "color": 400}),
            device("TOTAL", {"total": 5_000}, {"total": 5_600}),
            device("LISTS", {"total": 100, "mono": 60, "color": 30}, {"total": 200, "mono": 130, "color": 50}),
        ]
    )
    assert summary.pages == {"mono": 470, "color": 120, "unsplit": 610, "total": 1_200}
    assert summary.pages["total"] == summary.pages["mono"] + summary.pages["color"] + summary.pages["unsplit"]


def test_a_device_with_a_flagged_meter_is_left_out_of_every_sum_and_counted_apart() -> None:
    summary = summarize(
        [
            device("OK", {"total": 100, "mono": 100, "color": 0}, {"total": 150, "mono": 150, "color": 0}),
            device(
                "RESET",
                {"total": 9_000, "mono": 9_000, "color": 0},
                {"total": 20, "mono": 20, "color": 0},
                flags=["total went back"],
            ),
        ]
    )
    assert summary.pages == {"mono": 50, "color": 0, "unsplit": 0, "total": 50}
    assert summary.pages_left_out == {"total": 1, "mono": 1, "color": 1}
