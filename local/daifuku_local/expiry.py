"""What AWS deletes on its own as time passes, on demand: DynamoDB's TTL (items whose `expires_at`
is past) and the message-images bucket's lifecycle rules (objects older than their
`retention-days` tag). moto does neither by itself; the retention tests move time on with this.

Limited to one user's partition and folder when a user is named, so a test expires its own
customer's messages and not the other tests' items.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from boto3.dynamodb.conditions import Attr, Key

from daifuku.adapters.dynamodb.keys import user_partition
from daifuku.adapters.dynamodb.table import TableGateway
from daifuku.adapters.message_images import IMAGES_PREFIX, RETENTION_TAG, user_folder
from daifuku.table_schema import MEMBER_TABLE


def expire(
    table: Any, s3: Any, bucket: str | None, at: datetime, user_id: str | None = None
) -> dict[str, int]:
    """Delete what TTL and the lifecycle rules would have deleted by `at`; how many of each."""
    ttl = MEMBER_TABLE.ttl_attribute
    expired = Attr(ttl).lt(int(at.timestamp()))
    gateway = TableGateway.of(table)
    if user_id is not None:
        partition = Key("pk").eq(user_partition(user_id))
        items = list(gateway.query(KeyConditionExpression=partition, FilterExpression=expired))
    else:
        items = list(gateway.scan(FilterExpression=expired))
    with table.batch_writer() as batch:
        for item in items:
            batch.delete_item(Key={"pk": item["pk"], "sk": item["sk"]})
    objects = 0
    if bucket:
        prefix = user_folder(user_id) if user_id else IMAGES_PREFIX
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for entry in page.get("Contents", []):
                tags = s3.get_object_tagging(Bucket=bucket, Key=entry["Key"])["TagSet"]
                days = next((int(t["Value"]) for t in tags if t["Key"] == RETENTION_TAG), None)
                if days is not None and entry["LastModified"] + timedelta(days=days) < at:
                    s3.delete_object(Bucket=bucket, Key=entry["Key"])
                    objects += 1
    return {"items": len(items), "objects": objects}
