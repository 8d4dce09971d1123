"""Pagination. The dealer API: `?limit=` is clamped to MAX_LIMIT, so no value reaches the database as an overflow.
The dealer pages: any `?page=` shows a page of the list, never a 404."""

from rest_framework.pagination import LimitOffsetPagination


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    """A limit above max_limit is clamped to it; zero, negative or garbage falls back to PAGE_SIZE.

    An offset past the end gives an empty page without a query (DRF compares it with the count first).
    """

    max_limit = 1000


class ForgivingPageMixin:
    """For ListViews: `?page=` past the end shows the last page, and a page that is not a page number the first.

    Django answers 404 to both, but they come from real use: a bookmarked page 7 after customers were archived,
    a link copied before a filter narrowed the list, a hand-edited address. The list is still there to show.
    """

    def paginate_queryset(self, queryset, page_size):
        paginator = self.get_paginator(
            queryset, page_size, orphans=self.get_paginate_orphans(), allow_empty_first_page=self.get_allow_empty()
        )
        asked = self.kwargs.get(self.page_kwarg) or self.request.GET.get(self.page_kwarg)
        page = paginator.get_page(_page_number(asked, num_pages=paginator.num_pages))
        return paginator, page, page.object_list, page.has_other_pages()


def _page_number(asked: str | None, *, num_pages: int) -> int:
    """1 for anything not a whole number (or below 1: Django would show the last page); num_pages past the end."""
    if asked == "last":
        return num_pages
    try:
        number = int(asked)
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), num_pages)
