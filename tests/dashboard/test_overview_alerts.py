"""The overview's "In alert" panel says what is wrong with each device, from the alerts its reads reported."""

import re

import pytest

from meters.alert_texts import alert_text
from meters.selectors import volume_cache_forget
from tests.dashboard.fleet_support import black_toner, fleet_of, read_as, recording_serial, toner_at
from tests.meters.ingest_support import new_agent
from tests.support.personas import client_for

ERROR_STATE = "1.3.6.1.2.1.25.3.5.1.2.1"  # hrPrinterDetectedErrorState: 0x0c = door open + jammed


@pytest.fixture(autouse=True)
def fresh_volume_cache(acme):
    volume_cache_forget()
    yield
    volume_cache_forget()


def error_state(octets: str):
    def edit(vb: list) -> list:
        if vb[0] == ERROR_STATE:
            vb[1], vb[2] = "hex", octets
        return vb

    return edit


def in_alert_rows(page: str) -> dict[str, list[tuple[str, str]]]:
    """serial -> [(badge, text)] as the panel shows them."""
    panel = page.split('id="in-alert"')[1].split("</section>")[0]
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", panel, re.DOTALL):
        serial = re.search(r'<small class="muted">([^<]+)</small>', row)
        texts = re.findall(r'<span class="badge sev-\w+">(\w+)</span> ([^<]+)</span>', row)
        if serial:
            rows[serial.group(1)] = [(badge, text.strip()) for badge, text in texts]
    return rows


def test_in_alert_says_paper_jam_door_open_and_which_toner_is_low(acme):
    agent = new_agent()
    jammed, low = fleet_of(agent, 2, prefix="35.1")
    original = recording_serial()
    read_as(agent, jammed, original, edits=(error_state("0c00"),))
    read_as(agent, low, original, edits=(toner_at(black_toner(low), 8), error_state("0000")))
    page = client_for(acme, acme.viewer).get("/").content.decode()
    rows = in_alert_rows(page)
    assert rows[jammed.serial] == [("critical", "Door open"), ("critical", "Paper jam")]
    assert ("warning", "Toner low (Black\u00a08\u00a0%)") in rows[low.serial]
    assert "<th>What is wrong</th>" in page


def test_the_device_s_own_alert_text_is_kept_and_generic_codes_get_words():
    own = alert_text(code="jam", description="Paper jam in tray 2.", source="alert_table", severity="critical")
    assert (own.text, own.severity) == ("Paper jam in tray 2", "critical")
    bits = alert_text(
        code="service_requested", description="service requested", source="error_state", severity="warning"
    )
    assert (bits.text, bits.severity) == ("Service requested", "warning")
    ink = alert_text(code="supply_low:cyan", description="Cyan Ink low (4 %)", source="supply", severity="warning")
    assert ink.text == "Ink low (Cyan\u00a04\u00a0%)"
