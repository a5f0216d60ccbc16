"""How items are keyed in the single DynamoDB table (see daifuku.table_schema for the indexes).

| item | pk | sk |
| --- | --- | --- |
| a LINE user (friend/member) | USER#<userId> | MEMBER |
| a tag on a user | USER#<userId> | TAG#<tag> |
| a member number's owner (uniqueness) | MEMBER_NO#<number> | MEMBER_NO |
| the member-number counter | COUNTER#member_no | COUNTER |
| a processed webhook event (TTL) | WEBHOOK_EVENT#<webhookEventId> | WEBHOOK_EVENT |
| the shop's configuration | SHOP | CONFIG |
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
