"""A column of an exported table (CSV or XLSX): its name, the header a program importing the file keys on, and
the kind of value it holds, which decides how a cell is written."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ColumnKind = Literal["text", "time", "day", "count", "note"]


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    kind: ColumnKind
