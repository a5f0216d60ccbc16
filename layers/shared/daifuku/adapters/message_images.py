"""The photos customers send, kept in the private message-images bucket (S3).

LINE keeps what users send only for a while, so the webhook copies each image there at once
(`GET /v2/bot/message/{id}/content`). Each object is tagged with the shop's retention in days: the
bucket's lifecycle rules (one per retention the owner can choose, infra/constructs/message_images.py)
delete it when its message expires from the table. Staff see an image through a presigned URL valid
for a few minutes; a customer's deletion of their data deletes their folder at once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

# Staff open a conversation and look at it; a link older than this has done its work.
SIGNED_URL_SECONDS = 300
RETENTION_TAG = "retention-days"
# Every photo lives under this prefix (the lifecycle rules, the IAM grants and the local expiry use it).
IMAGES_PREFIX = "messages/"


class ImageSource(Protocol):
    def message_content(self, message_id: str) -> tuple[bytes, str]: ...


class ImageKeys(Protocol):
    def set_image_key(self, user_id: str, at: datetime, message_key_: str, image_key: str) -> None: ...


def user_folder(user_id: str) -> str:
    return f"{IMAGES_PREFIX}{user_id}/"


class MessageImages:
    """The bucket's objects: one per image message, under the customer's folder."""

    def __init__(self, bucket: str, session: Any):
        self._bucket = bucket
        self._session = session
        self._client: Any = None

    @property
    def client(self) -> Any:
        if self._client is None:
            from botocore.config import Config

            # Signature v4, so the presigned URLs work with a KMS- or S3-encrypted bucket everywhere.
            self._client = self._session.client("s3", config=Config(signature_version="s3v4"))
        return self._client

    def keep(
        self,
        source: ImageSource,
        keys: ImageKeys,
        user_id: str,
        at: datetime,
        message_key: str,
        line_message_id: str,
        retention_days: int,
    ) -> str:
        """Copy the image from LINE into the bucket and note its key on the message."""
        content, content_type = source.message_content(line_message_id)
        image_key = f"{user_folder(user_id)}{message_key}"
        self.client.put_object(
            Bucket=self._bucket,
            Key=image_key,
            Body=content,
            ContentType=content_type,
            Tagging=f"{RETENTION_TAG}={retention_days}",
        )
        keys.set_image_key(user_id, at, message_key, image_key)
        return image_key

    def signed_url(self, image_key: str) -> str:
        url: str = self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self._bucket, "Key": image_key}, ExpiresIn=SIGNED_URL_SECONDS
        )
        return url

    def delete_user(self, user_id: str) -> int:
        """Every image of the customer, at once (their deletion of their data)."""
        deleted = 0
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self._bucket, Prefix=user_folder(user_id)):
            keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if keys:
                self.client.delete_objects(Bucket=self._bucket, Delete={"Objects": keys, "Quiet": True})
                deleted += len(keys)
        return deleted


class ImageCopier:
    """The webhook's copier (domain.auto_replies.ImageKeeper): LINE's content into the bucket."""

    def __init__(self, images: MessageImages, source: ImageSource, keys: ImageKeys):
        self._images, self._source, self._keys = images, source, keys

    def keep(
        self, user_id: str, at: datetime, message_key: str, line_message_id: str, retention_days: int
    ) -> bool:
        """False when the bucket refused it (the message stays, without its image)."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self._images.keep(
                self._source, self._keys, user_id, at, message_key, line_message_id, retention_days
            )
        except (BotoCoreError, ClientError):
            return False
        return True
