import re
import uuid

from core.context import clear_request, set_request

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    """Gives every request an id (X-Request-ID if the proxy sent a sane one) and records the client IP."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        set_request(request_id=request_id, ip=request.META.get("REMOTE_ADDR") or None)
        try:
            response = self.get_response(request)
        finally:
            clear_request()
        response["X-Request-ID"] = request_id
        return response
