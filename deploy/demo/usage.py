"""One printer's usage: pages by function, tone and paper size, the parts every vendor counter is a sum of.

Each part is a start value and the pages it gains per tick. A vendor's counter is the sum of the parts
its row counts (Sharp's "Black & White Total Count" is every mono part, Canon's 113 the small mono
ones, a bizhub's 2.2.1.5.1.2 the mono print ones), so at every tick totals equal their parts exactly
the way the real device's rows relate.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Pages:
    """A count at generation time and what it gains per tick."""

    start: int = 0
    step: int = 0

    def __add__(self, other: "Pages") -> "Pages":
        return Pages(self.start + other.start, self.step + other.step)


NONE = Pages()


@dataclass(frozen=True)
class Part:
    """Pages of one kind. function: print, copy, fax or report (lists and reports the device prints itself);
    tone: mono or colour; size: small (A4) or large (A3, counted once, the vendors' "Total 1" convention)."""

    function: str
    tone: str
    size: str
    pages: Pages


@dataclass(frozen=True)
class Usage:
    """Pages by part, plus counts that are not pages: duplex sheets, scans, and sheets only the engine counts."""

    parts: tuple[Part, ...]
    duplex: Pages = NONE  # sheets printed on both sides
    scans: tuple[Pages, Pages] = (NONE, NONE)  # originals scanned (copy and scan-to-send), mono and colour
    unbilled: int = 0  # sheets prtMarkerLifeCount counts and the vendor's total leaves out (misfeeds)

    def pages(self, function: str | None = None, tone: str | None = None, size: str | None = None) -> Pages:
        """The sum of the parts that match every given field."""
        total = NONE
        for part in self.parts:
            if function in (None, part.function) and tone in (None, part.tone) and size in (None, part.size):
                total += part.pages
        return total

    @property
    def total(self) -> Pages:
        return self.pages()

    @property
    def mono(self) -> Pages:
        return self.pages(tone="mono")

    @property
    def colour(self) -> Pages:
        return self.pages(tone="colour")

    @property
    def scanned(self) -> Pages:
        return self.scans[0] + self.scans[1]
