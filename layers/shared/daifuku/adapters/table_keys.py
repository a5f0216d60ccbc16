"""How items are keyed in the single DynamoDB table (see daifuku.table_schema for the indexes).

| item | pk | sk |
| --- | --- | --- |
| a LINE user (friend/member) | USER#<userId> | MEMBER |
| a tag on a user | USER#<userId> | TAG#<tag> |
| a member number's owner (uniqueness) | MEMBER_NO#<number> | MEMBER_NO |
| the member-number counter | COUNTER#member_no | COUNTER |
| a processed webhook event (TTL) | WEBHOOK_EVENT#<webhookEventId> | WEBHOOK_EVENT |
| the shop's configuration | SHOP | CONFIG |
| a coupon a member holds | USER#<userId> | COUPON#<couponId> |
| an imported pre-Daifuku member, until claimed | LEGACY_PHONE#<phone> | LEGACY#<number> |
| a staff member | STAFF | <userId> |
"""

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
