"""Refuses NUL characters in URLs and query strings before they reach a database driver.

PostgreSQL cannot store NUL in text, so a query parameter carrying one would otherwise fail
deep inside a filter with a server error instead of a clear client error.
"""

from django.http import JsonResponse


class RejectNulCharactersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            return JsonResponse(
                {"errors": [{"field": "query", "message": "NUL characters are not allowed."}]},
                status=400,
            )
        return self.get_response(request)
