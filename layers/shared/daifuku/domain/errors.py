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
