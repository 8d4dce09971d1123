"""British dates for dealers in the en-gb locale (the portal's default): "28 Nov 2026", "28 Nov 2026, 14:30 CET".

Django's own en_GB formats write times as "2:30 p.m."; dealers read meters and alerts on a 24-hour clock, and the
zone name says which clock (each site's own, or the dealer's in emails).
"""

DATE_FORMAT = "j M Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j M Y, H:i T"
YEAR_MONTH_FORMAT = "M Y"
MONTH_DAY_FORMAT = "j M"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
FIRST_DAY_OF_WEEK = 1
