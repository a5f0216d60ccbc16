"""How items are keyed in the single DynamoDB table (see daifuku.table_schema for the indexes).

| item | pk | sk |
| --- | --- | --- |
| a LINE user (friend/member) | USER#<userId> | MEMBER |
| a tag on a user | USER#<userId> | TAG#<tag> |
| a message or postback from the user | USER#<userId> | INTERACTION#<at ISO UTC> |
| new-friend alerts sent in one minute (TTL) | STAFF_ALERTS#<minute> | COUNT |
| a member number's owner (uniqueness) | MEMBER_NO#<number> | MEMBER_NO |
| the member-number counter | COUNTER#member_no | COUNTER |
| a processed webhook event (TTL) | WEBHOOK_EVENT#<webhookEventId> | WEBHOOK_EVENT |
| the shop's configuration | SHOP | CONFIG |
| a coupon a member holds | USER#<userId> | COUPON#<couponId> |
| an imported pre-Daifuku member, until claimed | LEGACY_PHONE#<phone> | LEGACY#<number> |
| a staff member | STAFF | <userId> |
| a visit recorded at the counter | USER#<userId> | VISIT#<visitedAt ISO UTC>#<visitId> |
| a points ledger entry (delta, kind, reason, by) | USER#<userId> | POINTS#<entryId> |
| a staff memo (kind, text, by) | USER#<userId> | MEMO#<at ISO UTC>#<memoId> |
| a coupon template (title, texts, image, valid days, points cost) | COUPON_TEMPLATE | <templateId> |
| one staff action (actor, action, target user id, detail) | AUDIT | <at ISO UTC>#<id> |
| a day's counts (friends_added, blocks, registrations) | STATS#DAY | <YYYY-MM-DD, shop time> |
| the running totals (friends, members, blocked) | STATS | TOTALS |

Points: the member item's `points` is the sum of its POINTS# entries, kept by an ADD in the same
transaction as each entry. Coupons (COUPON#) carry `expires_on`, so the coupon_expiry_index finds the
coupons whose last day is a given date (the expiry reminder); the entry kinds of ledger ids are
`visit-<visitId>`, `adjust-<clientEntryId>`, `exchange-<exchangeId>`. Coupon ids: `welcome`,
`campaign-<campaignId>`, `<templateId>-<issueId>` (issued by staff), `poster-<templateId>` (claimed
from the counter poster, once per member), `<templateId>-x<exchangeId>` (bought with points).
"""

from datetime import UTC, date, datetime

MEMBER_SK = "MEMBER"
MEMBER_NO_SK = "MEMBER_NO"
SHOP_KEY = {"pk": "SHOP", "sk": "CONFIG"}
MEMBER_NUMBER_COUNTER_KEY = {"pk": "COUNTER#member_no", "sk": "COUNTER"}


def member_key(user_id: str) -> dict[str, str]:
    return {"pk": f"USER#{user_id}", "sk": MEMBER_SK}


def tag_key(user_id: str, tag: str) -> dict[str, str]:
    return {"pk": f"USER#{user_id}", "sk": f"TAG#{tag}"}


def member_number_key(member_no: str) -> dict[str, str]:
    return {"pk": f"MEMBER_NO#{member_no}", "sk": MEMBER_NO_SK}


def webhook_event_key(webhook_event_id: str) -> dict[str, str]:
    return {"pk": f"WEBHOOK_EVENT#{webhook_event_id}", "sk": "WEBHOOK_EVENT"}


# The member-number counter holds `last_sequence`: the sequence of the last number issued. An
# operator import of legacy numbers writes their MEMBER_NO# items (status "imported", no user) and
# raises `last_sequence` above the highest imported sequence, so the counter never issues one.
MEMBER_NUMBER_COUNTER_ATTRIBUTE = "last_sequence"
COUPON_SK_PREFIX = "COUPON#"
STAFF_PK = "STAFF"


def user_partition(user_id: str) -> str:
    """The partition holding everything about one LINE user (member item, tags, coupons, messages)."""
    return f"USER#{user_id}"


def coupon_key(user_id: str, coupon_id: str) -> dict[str, str]:
    return {"pk": user_partition(user_id), "sk": f"{COUPON_SK_PREFIX}{coupon_id}"}


def legacy_phone_partition(phone: str) -> str:
    return f"LEGACY_PHONE#{phone}"


def legacy_member_key(phone: str, member_no: str) -> dict[str, str]:
    return {"pk": legacy_phone_partition(phone), "sk": f"LEGACY#{member_no}"}


def staff_key(user_id: str) -> dict[str, str]:
    return {"pk": STAFF_PK, "sk": user_id}


VISIT_SK_PREFIX = "VISIT#"
LEDGER_SK_PREFIX = "POINTS#"
MEMO_SK_PREFIX = "MEMO#"
COUPON_TEMPLATE_PK = "COUPON_TEMPLATE"
AUDIT_PK = "AUDIT"
DAILY_STATS_PK = "STATS#DAY"
TOTALS_KEY = {"pk": "STATS", "sk": "TOTALS"}
# The dashboard's counters; anything else is refused (a typo would otherwise count into nowhere).
DAILY_COUNTERS = frozenset({"friends_added", "blocks", "registrations"})
TOTAL_COUNTERS = frozenset({"friends", "members", "blocked"})
COUPON_EXPIRY_INDEX = "coupon_expiry_index"


def _utc(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


def visit_key(user_id: str, visited_at: datetime, visit_id: str) -> dict[str, str]:
    return {"pk": user_partition(user_id), "sk": f"{VISIT_SK_PREFIX}{_utc(visited_at)}#{visit_id}"}


def ledger_entry_key(user_id: str, entry_id: str) -> dict[str, str]:
    return {"pk": user_partition(user_id), "sk": f"{LEDGER_SK_PREFIX}{entry_id}"}


def memo_key(user_id: str, at: datetime, memo_id: str) -> dict[str, str]:
    return {"pk": user_partition(user_id), "sk": f"{MEMO_SK_PREFIX}{_utc(at)}#{memo_id}"}


def coupon_template_key(template_id: str) -> dict[str, str]:
    return {"pk": COUPON_TEMPLATE_PK, "sk": template_id}


def audit_key(at: datetime, entry_id: str) -> dict[str, str]:
    return {"pk": AUDIT_PK, "sk": f"{_utc(at)}#{entry_id}"}


def daily_stats_key(day: date) -> dict[str, str]:
    return {"pk": DAILY_STATS_PK, "sk": day.isoformat()}
