"""The one definition of the DynamoDB table: keys, indexes and TTL.

The CDK construct, the local stack and the tests all build the table from this module, so the
deployed table and the tables the tests run against cannot drift apart.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

AttributeType = Literal["S", "N"]


class KeyAttribute(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    name: str
    type: AttributeType = "S"


class SecondaryIndex(BaseModel):
    """A global secondary index. Every index projects all attributes: sends read whole members."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    name: str
    partition_key: KeyAttribute
    sort_key: KeyAttribute | None = None
    purpose: str


class TableDefinition(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    partition_key: KeyAttribute
    sort_key: KeyAttribute
    ttl_attribute: str
    indexes: tuple[SecondaryIndex, ...]

    def attribute_definitions(self) -> list[dict[str, str]]:
        """Every key attribute of the table and its indexes, once each."""
        seen: dict[str, str] = {}
        keys = [self.partition_key, self.sort_key]
        for index in self.indexes:
            keys.append(index.partition_key)
            if index.sort_key:
                keys.append(index.sort_key)
        for key in keys:
            seen.setdefault(key.name, key.type)
        return [{"AttributeName": name, "AttributeType": kind} for name, kind in seen.items()]

    def create_table_request(self, table_name: str) -> dict[str, Any]:
        """The boto3 `create_table` arguments for this definition (local stack and tests)."""

        def key_schema(pk: KeyAttribute, sk: KeyAttribute | None) -> list[dict[str, str]]:
            schema = [{"AttributeName": pk.name, "KeyType": "HASH"}]
            if sk:
                schema.append({"AttributeName": sk.name, "KeyType": "RANGE"})
            return schema

        return {
            "TableName": table_name,
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": self.attribute_definitions(),
            "KeySchema": key_schema(self.partition_key, self.sort_key),
            "GlobalSecondaryIndexes": [
                {
                    "IndexName": index.name,
                    "KeySchema": key_schema(index.partition_key, index.sort_key),
                    "Projection": {"ProjectionType": "ALL"},
                }
                for index in self.indexes
            ],
        }


USER_ID = KeyAttribute(name="user_id")


def member_index(name: str, attribute: str, purpose: str) -> SecondaryIndex:
    """An index of members by one attribute, sorted by user id."""
    return SecondaryIndex(
        name=name, partition_key=KeyAttribute(name=attribute), sort_key=USER_ID, purpose=purpose
    )


BIRTH_MONTH_INDEX = member_index(
    "birth_month_index", "birth_month", "Birth-month campaigns read only the members born in a month."
)
STORE_INDEX = member_index("store_index", "store_id", "Segments by store.")
TAG_INDEX = member_index(
    "tag_index", "tag", "Segments and staff search by tag (one item per member and tag)."
)
PHONE_LAST4_INDEX = member_index(
    "phone_last4_index", "phone_last4", "Staff search by the last four digits of a phone number."
)
COUPON_EXPIRY_INDEX = SecondaryIndex(
    name="coupon_expiry_index",
    partition_key=KeyAttribute(name="expires_on"),
    sort_key=KeyAttribute(name="sk"),
    purpose="The expiry reminder reads the coupons whose last day is a date (coupon items only).",
)

# The inbox: each conversation's summary carries `inbox_at` (its latest message's time, then the user
# id) and, sparsely, `inbox` (present once the customer has written), so the list reads only the
# conversations it shows, newest first; its 未読 and 要返信 filters read the same index.
INBOX_AT = KeyAttribute(name="inbox_at")
INBOX_INDEX = SecondaryIndex(
    name="inbox_index",
    partition_key=KeyAttribute(name="inbox"),
    sort_key=INBOX_AT,
    purpose="The staff inbox: every conversation, newest message first.",
)

MEMBER_TABLE = TableDefinition(
    partition_key=KeyAttribute(name="pk"),
    sort_key=KeyAttribute(name="sk"),
    ttl_attribute="expires_at",
    indexes=(
        BIRTH_MONTH_INDEX,
        STORE_INDEX,
        TAG_INDEX,
        PHONE_LAST4_INDEX,
        COUPON_EXPIRY_INDEX,
        INBOX_INDEX,
    ),
)
