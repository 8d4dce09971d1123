"""American dates for dealers in the en-us locale: "Nov 28, 2026", "Nov 28, 2026, 2:30 PM EST".

Django's own en formats write "Nov. 28, 2026, 2:30 p.m."; these keep the month without a dot and the zone name,
as the British formats do, so only the order and the clock differ between the two.
"""

DATE_FORMAT = "M j, Y"
TIME_FORMAT = "g:i A"
DATETIME_FORMAT = "M j, Y, g:i A T"
YEAR_MONTH_FORMAT = "M Y"
MONTH_DAY_FORMAT = "M j"
SHORT_DATE_FORMAT = "m/d/Y"
SHORT_DATETIME_FORMAT = "m/d/Y g:i A"
FIRST_DAY_OF_WEEK = 0
