"""Conversations: the owner's auto-reply rules and settings, the inbox's requests and what it shows.

Keywords are plain text, never patterns: a keyword that looks like a regular expression is refused
with `regex_not_supported`, so an owner who expects one learns at once that it would not work.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from daifuku.models.boundary_types import (
    ClientId,
    HttpsUrl,
    Tag,
    TemplateId,
    Text,
    problem,
)

# LINE's text message takes 5,000 characters; a button's label 40 (20 shows whole on a phone).
ReplyText = Annotated[str, Text(5000, multiline=True)]
ButtonText = Annotated[str, Text(20)]
RuleName = Annotated[str, Text(40)]
# A scenario's id, as daifuku.domain.scenarios.ScenarioId (a model does not import the domain).
ScenarioRef = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")]
# Characters that only mean something in a regular expression when they come in these shapes.
_PATTERN_SHAPES = (".*", ".+", ".?", "\\", "(?", "[^", "|", "{,")


def _plain_keyword(value: str) -> str:
    if value.strip() != value or not value:
        raise problem("keyword_blank", "a keyword may not start or end with spaces")
    if any(shape in value for shape in _PATTERN_SHAPES) or (value.startswith("^") or value.endswith("$")):
        raise problem("regex_not_supported", "keywords are plain text; regular expressions are not offered")
    return value


Keyword = Annotated[str, Text(100), AfterValidator(_plain_keyword)]
PostbackData = Annotated[str, Text(300)]


class MatchKind(StrEnum):
    EXACT = "exact"  # the whole message is the keyword
    CONTAINS = "contains"
    STARTS_WITH = "starts_with"
    POSTBACK = "postback"  # a button's postback data, exactly


class AnswerKind(StrEnum):
    TEXT = "text"
    SHOP_INFO = "shop_info"  # the Flex card 「お店の情報」 answers with
    COUPON = "coupon"  # a coupon from one of the shop's templates, once per member and rule
    LIFF_LINK = "liff_link"  # a button that opens one of the shop's LIFF pages (or an https URL)


class LiffPage(StrEnum):
    CARD = "card"
    COUPONS = "coupons"
    REGISTRATION = "registration"


class Request(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)


class AutoReplyRuleRequest(Request):
    """A rule as the owner writes it. Lower `priority` answers first."""

    model_config = ConfigDict(defer_build=True)

    name: RuleName
    match: MatchKind
    keywords: tuple[Keyword, ...] = Field(min_length=1, max_length=20)
    priority: int = Field(default=100, ge=0, le=10_000)
    answer: AnswerKind
    text: ReplyText | None = None
    template_id: TemplateId | None = None
    liff_page: LiffPage | None = None
    url: HttpsUrl | None = None
    button_label: ButtonText | None = None
    add_tag: Tag | None = None
    scenario_id: ScenarioRef | None = None  # enrol the member in this (manual-trigger) scenario
    enabled: bool = True

    @model_validator(mode="after")
    def _answer_complete(self) -> AutoReplyRuleRequest:
        from daifuku.domain.search_text import search_form

        if self.match is not MatchKind.POSTBACK:
            forms = [search_form(k) for k in self.keywords]
            if any(not f for f in forms):
                raise problem("keyword_blank", "a keyword may not be only spaces")
            if len(set(forms)) != len(forms):
                raise problem("duplicate_keyword", "the same keyword twice (width, kana and case aside)")
        elif len(set(self.keywords)) != len(self.keywords):
            raise problem("duplicate_keyword", "the same postback data twice")
        if self.answer is AnswerKind.TEXT and not self.text:
            raise problem("text_required", "a text answer needs its text")
        if self.answer is AnswerKind.COUPON and not self.template_id:
            raise problem("template_required", "a coupon answer needs a coupon template")
        if self.answer is AnswerKind.LIFF_LINK:
            if (self.liff_page is None) == (self.url is None):
                raise problem("link_required", "a link answer needs one page or one https URL")
            if not self.button_label:
                raise problem("button_label_required", "a link answer needs its button's label")
        return self


class AutoReplyRule(AutoReplyRuleRequest):
    """A stored rule."""

    model_config = ConfigDict(defer_build=True, extra="ignore", frozen=True)

    rule_id: ClientId


Clock = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
RETENTION_CHOICES = (30, 90, 180, 365)


class OutOfHours(Request):
    """When the shop is open (shop time); a message outside it gets `message`, once a day per customer."""

    model_config = ConfigDict(defer_build=True)

    enabled: bool = False
    opens: Clock = "10:00"
    closes: Clock = "19:00"
    # Monday 0 … Sunday 6, as Python's weekday().
    closed_weekdays: tuple[Annotated[int, Field(ge=0, le=6)], ...] = Field(default=(), max_length=7)
    message: ReplyText = (
        "お問い合わせありがとうございます。ただいま営業時間外のため、翌営業日に担当者よりご連絡いたします。"
    )


class ConversationSettingsRequest(Request):
    """The owner's settings of conversations: out-of-hours, and how long messages are kept."""

    model_config = ConfigDict(defer_build=True)

    out_of_hours: OutOfHours = OutOfHours()
    # Days; one of RETENTION_CHOICES, so that the images' bucket can keep each for as long (S3
    # lifecycle rules are per tag value, fixed at deployment).
    retention_days: Literal[30, 90, 180, 365] = 180


class ConversationSettings(ConversationSettingsRequest):
    """The settings as stored."""

    model_config = ConfigDict(defer_build=True, extra="ignore", frozen=True)


class TestMatchRequest(Request):
    model_config = ConfigDict(defer_build=True)
    text: Annotated[str, Text(5000, multiline=True)] | None = None
    postback_data: PostbackData | None = None

    @model_validator(mode="after")
    def _one(self) -> TestMatchRequest:
        if (self.text is None) == (self.postback_data is None):
            raise problem("one_of_text_or_postback", "give a text or a postback's data")
        return self


class SavedReplyRequest(Request):
    model_config = ConfigDict(defer_build=True)
    title: Annotated[str, Text(40)]
    text: ReplyText


class SavedReply(SavedReplyRequest):
    model_config = ConfigDict(defer_build=True, extra="ignore", frozen=True)

    saved_reply_id: ClientId


class InboxReplyRequest(Request):
    """A staff reply, pushed. `reply_id` is made by the page once per reply: a double tap or a retry
    is the same X-Line-Retry-Key, so LINE delivers once."""

    model_config = ConfigDict(defer_build=True)

    reply_id: ClientId
    text: ReplyText


class InboxFilter(StrEnum):
    ALL = "all"
    UNREAD = "unread"
    NEEDS_REPLY = "needs_reply"


class InboxQuery(Request):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    filter: InboxFilter = InboxFilter.ALL
    tag: Tag | None = None
    limit: Annotated[int, Field(ge=1, le=100)] = 30
    before: Annotated[str, Text(200)] | None = None  # the last shown conversation's `cursor`


class AlertsRequest(Request):
    model_config = ConfigDict(defer_build=True)
    new_message_alerts: bool


class Direction(StrEnum):
    IN = "in"  # from the customer
    OUT = "out"  # sent by Daifuku


class StoredMessage(BaseModel):
    """One message of a conversation as stored and as the inbox shows it (no keys)."""

    model_config = ConfigDict(defer_build=True, extra="ignore", frozen=True)

    at: datetime
    message_key: str
    direction: Direction
    kind: str  # text, image, sticker, postback, flex, …
    text: str | None = None
    sticker_package_id: str | None = None
    sticker_id: str | None = None
    line_message_id: str | None = None
    image_key: str | None = None  # in the private bucket, once fetched from LINE
    sent_by: str | None = None  # who sent it: auto_reply:<rule>, staff:<user>, welcome, menu, campaign:<id>
    sent_by_label: str | None = None


class ConversationSummary(BaseModel):
    """A conversation in the inbox's list: one item per customer."""

    model_config = ConfigDict(defer_build=True, extra="ignore", frozen=True)

    user_id: str
    last_message_at: datetime
    last_message_preview: str = ""
    last_direction: Direction = Direction.IN
    unread_count: int = 0
    needs_reply: bool = False
    display_name: str | None = None
    member_no: str | None = None
    mark_as_read_token: str | None = None

    def listed(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude={"mark_as_read_token"})
