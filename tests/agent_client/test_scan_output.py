"""What a technician sees from `scan`: a progress bar only on a terminal, a readable table."""

from __future__ import annotations

import io

from agent_client.output import ProgressBar, supplies_text, table

ROW = {
    "ip": "10.0.0.5",
    "model": "bizhub C250i",
    "sys_descr": "KONICA",
    "serial": "AA2M",
    "total_pages": 33810,
    "supplies": [
        {"description": "Toner (Black)", "level": 86, "max_capacity": 100},
        {"description": "Waste Toner Box", "level": -3, "max_capacity": -2},
    ],
}


def test_progress_bar_draws_and_ends_with_a_newline():
    stream = io.StringIO()
    bar = ProgressBar(stream, enabled=True, width=10)
    bar(127, 254)
    bar(254, 254)
    assert stream.getvalue().endswith("[##########] 254/254\n")


def test_progress_bar_is_silent_off_a_terminal():
    stream = io.StringIO()  # not a tty: cron, a pipe, a log file
    ProgressBar(stream)(254, 254)
    assert stream.getvalue() == ""


def test_table_shows_percentages_and_rfc3805_special_levels():
    assert supplies_text(ROW["supplies"]) == "Toner (Black) 86%, Waste Toner Box ok"
    lines = table([ROW]).splitlines()
    assert lines[0].split() == ["IP", "Model", "Serial", "Pages", "Supplies"]
    assert lines[1].split()[:4] == ["10.0.0.5", "bizhub", "C250i", "AA2M"]
    assert lines[-1] == "1 printer(s) found"
