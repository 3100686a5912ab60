"""Errors raised by services; the API and the views turn them into messages."""


class ApplicationError(Exception):
    """A business rule refused the action. ``message`` is for the user (Polish via gettext)."""

    code = "refused"

    def __init__(self, message: str, *, code: str | None = None, errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.errors = errors or {}


class ServiceValidationError(ApplicationError):
    """Input was invalid; ``errors`` maps field names to messages."""

    code = "invalid"


class NotFoundOrForbidden(ApplicationError):
    """The object does not exist or the user may not see it (deliberately indistinguishable)."""

    code = "not_found"
