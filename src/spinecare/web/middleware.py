"""Small middleware of SpineCare's own."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

Handler = Callable[[HttpRequest], HttpResponse]


class NoStoreWhenSignedInMiddleware:
    """``Cache-Control: no-store`` (and friends) on every response to a signed-in user.

    Pages shown after signing in hold patient data: no browser cache, shared computer's
    back button or proxy may keep a copy. Static files are not served through middleware.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response
