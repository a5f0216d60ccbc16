"""Coupons members hold (granted once each, redeemed once, reminded before they expire) and the
coupon templates the owner issues them from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from boto3.dynamodb.conditions import Attr, Key

from daifuku.adapters.dynamodb.keys import (
    COUPON_SK_PREFIX,
    COUPON_TEMPLATE_PK,
    coupon_issue_key,
    coupon_key,
    coupon_template_key,
    user_partition,
    utc,
)
from daifuku.adapters.dynamodb.table import TableGateway
from daifuku.domain.errors import CouponAlreadyUsed, CouponExpired, CouponNotFound
from daifuku.models.membership import Coupon
from daifuku.models.staff import CouponTemplateRecord
from daifuku.table_schema import COUPON_EXPIRY_INDEX

# A retry of an issue comes within minutes; its record is kept a week, then DynamoDB's TTL removes it.
COUPON_ISSUE_RETENTION = timedelta(days=7)


def coupon_item(user_id: str, coupon: Coupon) -> dict[str, Any]:
    """A held coupon as stored (also written inside the points ledger's exchange transaction)."""
    return {**coupon_key(user_id, coupon.coupon_id), **coupon.model_dump(mode="json", exclude_none=True)}


@dataclass(frozen=True)
class CouponRepository:
    _gateway: TableGateway

    # Held coupons

    def grant_coupon(self, user_id: str, coupon: Coupon) -> bool:
        """Give the coupon once: False when the member already holds one with that id."""
        return self._gateway.put(coupon_item(user_id, coupon), if_absent=True)

    def record_issue(self, issue_id: str, fingerprint: str, at: datetime) -> str:
        """Record what an issue id asks for, once: the fingerprint stored under it (ours, or that of
        the request that used the id first)."""
        item = {
            **coupon_issue_key(issue_id),
            "fingerprint": fingerprint,
            "at": utc(at),
            "issued": 0,
            "expires_at": int((at + COUPON_ISSUE_RETENTION).timestamp()),
        }
        existing = self._gateway.put_new_or_get(item)
        return fingerprint if existing is None else str(existing["fingerprint"])

    def count_issued(self, issue_id: str, count: int) -> int:
        """Add `count` coupons given to the issue's tally; the tally (every attempt's together)."""
        item = self._gateway.update_returning(
            coupon_issue_key(issue_id), "ADD issued :n", values={":n": count}
        )
        return int((item or {}).get("issued", count))

    def coupons_of(self, user_id: str) -> list[Coupon]:
        items = self._gateway.query_page(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :coupon)",
            ExpressionAttributeValues={":pk": user_partition(user_id), ":coupon": COUPON_SK_PREFIX},
        )
        return [Coupon.model_validate(item) for item in items]

    def redeem_coupon(self, user_id: str, coupon_id: str, by: str, at: datetime, today: date) -> datetime:
        """Mark the coupon used, once: CouponNotFound / CouponAlreadyUsed / CouponExpired otherwise."""
        redeemed = self._gateway.update(
            coupon_key(user_id, coupon_id),
            "SET used_at = :at, used_by = :by",
            condition="attribute_exists(pk) AND attribute_not_exists(used_at) "
            "AND (attribute_not_exists(expires_on) OR expires_on >= :today)",
            values={":at": utc(at), ":by": by, ":today": today.isoformat()},
        )
        if redeemed:
            return at
        item = self._gateway.get(coupon_key(user_id, coupon_id))
        if item is None:
            raise CouponNotFound(coupon_id)
        if item.get("used_at"):
            raise CouponAlreadyUsed(coupon_id)
        raise CouponExpired(coupon_id)

    # Expiry reminders

    def unused_coupons_expiring_on(self, day: date) -> list[tuple[str, Coupon]]:
        """(holder, coupon) for every coupon whose last day is `day`, not used and not yet reminded."""
        items = self._gateway.query(
            IndexName=COUPON_EXPIRY_INDEX.name,
            KeyConditionExpression=Key(COUPON_EXPIRY_INDEX.partition_key.name).eq(day.isoformat())
            & Key("sk").begins_with(COUPON_SK_PREFIX),
            FilterExpression=Attr("used_at").not_exists() & Attr("reminded_at").not_exists(),
        )
        return [(item["pk"].removeprefix(user_partition("")), Coupon.model_validate(item)) for item in items]

    def mark_reminded(self, user_id: str, coupon_id: str, at: datetime) -> None:
        # A coupon gone since the reminder run read it (its member deleted) needs no reminder mark.
        self._gateway.update(
            coupon_key(user_id, coupon_id),
            "SET reminded_at = if_not_exists(reminded_at, :at)",
            condition="attribute_exists(pk)",
            values={":at": utc(at)},
        )

    # Templates

    def save_template(self, template: CouponTemplateRecord) -> CouponTemplateRecord:
        """Save a new template, or return the one saved under its id (a retried request)."""
        item = {
            **coupon_template_key(template.template_id),
            **template.model_dump(mode="json", exclude_none=True),
        }
        existing = self._gateway.put_new_or_get(item)
        return template if existing is None else CouponTemplateRecord.model_validate(existing)

    def load_template(self, template_id: str) -> CouponTemplateRecord | None:
        item = self._gateway.get(coupon_template_key(template_id))
        return CouponTemplateRecord.model_validate(item) if item else None

    def templates(self) -> list[CouponTemplateRecord]:
        items = self._gateway.query(KeyConditionExpression=Key("pk").eq(COUPON_TEMPLATE_PK))
        return [CouponTemplateRecord.model_validate(item) for item in items]
