"""Errors the agent API turns into `{"detail", "code"}` responses; messages are for a technician on site."""


class AgentApiError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, detail: str, *, code: str | None = None):
        super().__init__(detail)
        self.detail = detail
        if code:
            self.code = code


class CredentialRejected(AgentApiError):
    status = 401
    code = "credential_rejected"


class NotFound(AgentApiError):
    status = 404
    code = "not_found"


class Conflict(AgentApiError):
    status = 409
    code = "conflict"


class PayloadTooLarge(AgentApiError):
    status = 413
    code = "too_large"
