"""Limit/offset pages with a ceiling, so no request can ask for a whole table in one answer."""

from django.conf import settings
from rest_framework.pagination import LimitOffsetPagination


class Pagination(LimitOffsetPagination):
    """`limit` defaults to API_PAGE_SIZE and is cut to API_MAX_PAGE_SIZE; read per request."""

    @property
    def default_limit(self) -> int:
        return settings.API_PAGE_SIZE

    @property
    def max_limit(self) -> int:
        return settings.API_MAX_PAGE_SIZE
