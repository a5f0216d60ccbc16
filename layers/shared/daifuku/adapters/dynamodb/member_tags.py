"""Adding one tag to a member (an entry or click action): the member's tag set and its TAG# item
(the tag index) in one transaction, only for a living member."""

from __future__ import annotations

from daifuku.adapters.dynamodb.keys import member_key, tag_key
from daifuku.adapters.dynamodb.table import TableGateway, update_request
from daifuku.models.member import MembershipStatus


def add_member_tag(gateway: TableGateway, user_id: str, tag: str) -> bool:
    """False when the user is not a (living) member: a friend who has not registered has no tags."""
    update = update_request(
        member_key(user_id),
        "ADD tags :tag",
        "attribute_exists(member_no) AND #status <> :deleted",
        {"#status": "status"},
        {":tag": {tag}, ":deleted": MembershipStatus.DELETED.value},
    )
    tag_item = {**tag_key(user_id, tag), "tag": tag, "user_id": user_id}
    return gateway.transact([{"Update": update}, {"Put": {"Item": tag_item}}]) is None
