"""Domain errors. Handlers map them to HTTP in one place; nothing below a handler knows HTTP."""


class DomainError(Exception):
    """Base of every error the domain raises on purpose."""


class InvalidSignature(DomainError):
    """A webhook body whose X-Line-Signature is missing or does not match the channel secret."""


class InvalidIdToken(DomainError):
    """A LIFF ID token that is missing, expired, forged or issued for another channel."""


class MemberNotFound(DomainError):
    """No member for the given LINE user or member number."""


class AlreadyRegistered(DomainError):
    """The LINE user already holds a member number."""


class LineRequestFailed(DomainError):
    """LINE refused or failed a request. `status` is LINE's HTTP status (0 when no answer came)."""

    def __init__(self, status: int, message: str, request_id: str | None = None, details: list | None = None):
        super().__init__(f"LINE answered {status}: {message}")
        self.status = status
        self.line_message = message
        self.request_id = request_id
        self.details = details or []


class LineRateLimited(LineRequestFailed):
    """429 for too many requests per second: retry later, with backoff."""


class LineMonthlyLimitReached(LineRequestFailed):
    """429 "You have reached your monthly limit.": retrying cannot help until the quota grows."""


class LineUnavailable(LineRequestFailed):
    """5xx, a timeout or a dropped connection: the request may or may not have been accepted."""


class LineBadRequest(LineRequestFailed):
    """4xx other than 409/429: the request itself is wrong and retrying it will fail the same way."""
