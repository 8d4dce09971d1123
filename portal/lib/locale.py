"""The dealer's locale: which English the dates are written in (docs/wording.md, "Dates").

Pages, emails and reports all format dates through Django's localisation (named formats such as
"DATE_FORMAT", with our own format modules in portal/formats/), so activating one locale is the one switch that
makes a date print the same way everywhere for a dealer. Dealers have no locale of their own yet: every dealer
gets settings.DEALER_LOCALE, and a `date_locale` field on the dealer would be picked up here without other changes.
"""

from contextlib import contextmanager

from django.conf import settings
from django.db import connection
from django.utils import translation
from django.utils.formats import date_format, time_format

# Excel's own number formats for the same named formats (openpyxl writes real dates; Excel draws them with these).
EXCEL_FORMATS = {
    "en-gb": {"date": "d mmm yyyy hh:mm", "day": "d mmm yyyy"},
    "en-us": {"date": "mmm d, yyyy h:mm AM/PM", "day": "mmm d, yyyy"},
}


def dealer_locale(dealer=None) -> str:
    """The locale of `dealer` (default: the dealer of the current schema), else the portal's default."""
    dealer = dealer if dealer is not None else getattr(connection, "tenant", None)
    return (getattr(dealer, "date_locale", "") or settings.DEALER_LOCALE).lower()


@contextmanager
def dealer_locale_active(dealer=None):
    """Formats dates in the dealer's locale inside the block (emails and reports render outside a request)."""
    with translation.override(dealer_locale(dealer)):
        yield


def weekday_and_time(value) -> str:
    """A time within the coming week, as a message says it: "Mon 30 Nov, 14:00" (en-gb), "Mon Nov 30, 2:00 PM"."""
    return f"{date_format(value, 'D')} {date_format(value, 'MONTH_DAY_FORMAT')}, {time_format(value, 'TIME_FORMAT')}"


def excel_date_formats(dealer=None) -> dict[str, str]:
    """Excel's number formats for `date` (date and time) and `day` cells in the dealer's locale."""
    return dict(EXCEL_FORMATS.get(dealer_locale(dealer), EXCEL_FORMATS["en-gb"]))


class DealerLocaleMiddleware:
    """Activates the dealer's locale for the request, after the tenant middleware has set request.tenant."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with dealer_locale_active(getattr(request, "tenant", None)):
            return self.get_response(request)
