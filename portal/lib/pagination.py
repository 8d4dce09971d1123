"""Dealer API pagination: `?limit=` is clamped to MAX_LIMIT, so no value reaches the database as an overflow."""

from rest_framework.pagination import LimitOffsetPagination


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    """A limit above max_limit is clamped to it; zero, negative or garbage falls back to PAGE_SIZE.

    An offset past the end gives an empty page without a query (DRF compares it with the count first).
    """

    max_limit = 1000
