"""Domain errors. Handlers map them to HTTP in one place; nothing below a handler knows HTTP."""

from dataclasses import dataclass


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


class LeftToTheOtherTool(LineRequestFailed):
    """Daifuku is silent beside another LINE tool (webhook_forwarding.SilentLine): nothing was sent."""

    def __init__(self) -> None:
        super().__init__(0, "Daifuku is silent: the other LINE tool answers")


class LineRateLimited(LineRequestFailed):
    """429 for too many requests per second: retry later, with backoff."""


class LineMonthlyLimitReached(LineRequestFailed):
    """429 "You have reached your monthly limit.": retrying cannot help until the quota grows."""


class LineUnavailable(LineRequestFailed):
    """5xx, a timeout or a dropped connection: the request may or may not have been accepted."""


class LineBadRequest(LineRequestFailed):
    """4xx other than 409/429: the request itself is wrong and retrying it will fail the same way."""


class RegistrationRequired(DomainError):
    """Registration-first shops show no card until the customer has filled in the form."""


@dataclass(frozen=True)
class FieldProblem:
    """One rejected form field: `code` is what the page turns into Japanese (js/texts.js)."""

    field: str
    code: str


class InvalidRegistration(DomainError):
    """A registration or profile form with fields the shop's rules reject; nothing was written."""

    def __init__(self, problems: list[FieldProblem]):
        super().__init__(", ".join(f"{p.field}: {p.code}" for p in problems))
        self.problems = problems


class IdempotencyKeyReused(DomainError):
    """A retry key (exchange_id, visit_id, entry_id, template_id, campaign_id) sent again with a
    different request: answering with the first result would say something that did not happen."""


class MemberNumberContention(DomainError):
    """The member-number counter kept moving under us; the customer may simply try again."""


class InvalidCardToken(DomainError):
    """A member-card QR token that is malformed or not signed by this deployment."""


class ExpiredCardToken(InvalidCardToken):
    """A genuine member-card QR token from an earlier time window: a screenshot, or a stale screen."""


class NotStaff(DomainError):
    """A staff-only call from a LINE user who is not on the shop's staff list."""


class NotOwner(DomainError):
    """An owner-only call (sending campaigns, bulk changes, export) from staff who are not an owner."""


class CampaignNotFound(DomainError):
    """No campaign has this id."""


class CouponNotFound(DomainError):
    """The member holds no coupon with this id."""


class CouponAlreadyUsed(DomainError):
    """The coupon was redeemed before (perhaps a moment ago, by another staff member's tap)."""


class CouponExpired(DomainError):
    """The coupon's last day has passed."""


class CouponAlreadyClaimed(DomainError):
    """The member claimed this poster coupon before: one claim per member."""


class InvalidClaimCode(DomainError):
    """A poster claim code that is malformed, forged, or not today's."""


class CouponTemplateNotFound(DomainError):
    """No coupon template has this id."""


class NotEnoughPoints(DomainError):
    """The member's points do not cover the exchange or the deduction."""


class NotExchangeable(DomainError):
    """The coupon template has no points cost: it cannot be bought with points."""


class RecordContention(DomainError):
    """Concurrent writes to one member kept colliding; the same request may simply be sent again."""


class InvalidInvitation(DomainError):
    """A staff invitation link that is malformed, forged, expired, already used, or whose inviter is
    no longer an owner: nothing changes. `str(error)` is the reason the page explains."""


class AlreadyStaff(DomainError):
    """An invitation opened by someone already on the staff: it stays unused for its invitee."""


class StaffNotFound(DomainError):
    """No staff member has this user id (removed a moment ago, perhaps by another owner)."""


class LastOwner(DomainError):
    """The change would leave the shop without an owner: someone must always be able to manage it."""


class MemberNumberFormatLocked(DomainError):
    """The member-number format cannot change once a number has been issued: cards already carry it."""


class MenuImageRefused(DomainError):
    """An uploaded rich menu image LINE would not take (not a PNG or JPEG, the wrong size, over 1 MB, or
    not readable): `reason` is the code the console knows, `message` says it in Japanese."""

    def __init__(self, reason: str, message: str):
        super().__init__(reason)
        self.reason = reason
        self.message = message


# Connect: outgoing events and the webhook forwarding


class InvalidOutgoingUrl(DomainError):
    """A URL Daifuku will not POST to: not https, no host, credentials in it, or Daifuku's own API.
    `reason` is the code the page turns into Japanese."""

    def __init__(self, reason: str):
        super().__init__(f"outgoing URL refused: {reason}")
        self.reason = reason


class EventEndpointNotFound(DomainError):
    """No outgoing-event endpoint with that id."""


class TooManyEventEndpoints(DomainError):
    """The shop already has the most outgoing-event endpoints it may have."""


# Raised by the campaigns, the inbox, the settings and the API keys; here so that the LIFF API's error
# table (functions/liff_api/http_errors.py) names them without importing those modules.


class InvalidTransition(DomainError):
    """A campaign asked to move to a state it cannot reach from where it is."""


class ConversationNotFound(DomainError):
    """No conversation with this customer (they never wrote, or their data was deleted)."""


class CustomerUnreachable(DomainError):
    """The customer blocked the shop or deleted their data: a push would not reach them."""


class AutoReplyRuleNotFound(DomainError):
    pass


class TooMany(DomainError):
    """The owner has as many rules (or saved replies) as the shop keeps."""


class UnknownSettingsSection(DomainError):
    """A settings section the console does not have."""


class ApiKeyNotFound(DomainError):
    """The owner named a key the shop does not have."""
