"""What `scan` shows a technician: a progress bar on stderr, a table (or JSON) on stdout."""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

COLUMNS = (("IP", 15), ("Model", 28), ("Serial", 16), ("Pages", 9), ("Supplies", 40))


class ProgressBar:
    """Redraws at most ten times a second; silent when stderr is not a terminal (logs, pipes, cron)."""

    def __init__(self, stream: TextIO = sys.stderr, enabled: bool | None = None, width: int = 30) -> None:
        self.stream, self.width = stream, width
        self.enabled = stream.isatty() if enabled is None else enabled
        self.last_draw = 0.0

    def __call__(self, done: int, total: int, found: int | None = None) -> None:
        now = time.monotonic()
        if not self.enabled or (done < total and now - self.last_draw < 0.1):
            return
        self.last_draw = now
        filled = self.width * done // max(total, 1)
        found_text = "" if found is None else f", {found} printer(s) found"
        self.stream.write(f"\rscanning [{'#' * filled}{'.' * (self.width - filled)}] {done}/{total}{found_text}")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


def supplies_text(supplies: list[dict[str, Any]]) -> str:
    return ", ".join(f"{s['description'] or '?'} {_level(s)}" for s in supplies)


def _level(supply: dict[str, Any]) -> str:
    level, capacity = supply.get("level"), supply.get("max_capacity")
    if isinstance(level, int) and isinstance(capacity, int) and level >= 0 and capacity > 0:
        return f"{round(100 * level / capacity)}%"
    return {-3: "ok", -2: "?", -1: "other"}.get(level, "?") if isinstance(level, int) else "?"  # RFC 3805 specials


def table(rows: list[dict[str, Any]]) -> str:
    lines = ["  ".join(name.ljust(width) for name, width in COLUMNS).rstrip()]
    for row in rows:
        cells = [
            row["ip"],
            row["model"] or row["sys_descr"] or "",
            row["serial"] or "",
            row["total_pages"],
            supplies_text(row["supplies"]),
        ]
        lines.append("  ".join(_cell(value, width) for value, (_, width) in zip(cells, COLUMNS, strict=True)).rstrip())
    lines.append(f"{len(rows)} printer(s) found")
    return "\n".join(lines)


def _cell(value: Any, width: int) -> str:
    text = "" if value is None else str(value)
    return text.ljust(width) if len(text) <= width else text[: width - 1] + "…"
