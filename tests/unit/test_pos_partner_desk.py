"""The partner desk with in-memory records: a receipt earns points once whichever way it comes, a
receipt id reused for another purchase is refused, a receipt QR is claimed once and by one member, and
personal fields need their scope."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

import pytest

from daifuku.domain.api_keys import ApiKeyDesk, ApiKeyRecord, Scope, receipt_signing_key
from daifuku.domain.errors import IdempotencyKeyReused
from daifuku.domain.partner_desk import PartnerDesk, ReceiptRecord
from daifuku.domain.receipt_codes import ReceiptCodeRefused, RefusalReason
from daifuku.models.partner_api import MemberRef, PurchaseRequest, ReceiptCodeRequest
from daifuku.models.shop import PointsRule
from tests.unit.test_pos_receipt_codes import Keys
from tests.unit.test_staff_desk import NOW, InMemoryStaffRecords, a_member, desk

RECEIPT_KEY = receipt_signing_key("channel-secret")


class Receipts:
    """In-memory ReceiptRecords: the first write of a receipt id wins."""

    def __init__(self) -> None:
        self.items: dict[str, ReceiptRecord] = {}
        self.lock = threading.Lock()

    def claim_receipt(self, receipt: ReceiptRecord) -> ReceiptRecord | None:
        with self.lock:
            stored = self.items.setdefault(receipt.receipt_id, receipt)
        return None if stored is receipt else stored


def partner(records: InMemoryStaffRecords, keys: Keys, **shop: Any) -> PartnerDesk:
    shop = {"points_rule": PointsRule(points_per_visit=1, yen_per_point=100)} | shop
    return PartnerDesk(desk(records, **shop), keys, Receipts(), b"card-key", RECEIPT_KEY)


def a_key(keys: Keys, *scopes: Scope) -> ApiKeyRecord:
    new = ApiKeyDesk(keys, clock=lambda: NOW).create("Uowner", "レジ1", frozenset(scopes), RECEIPT_KEY)
    return new.record


def test_a_receipt_earns_its_points_once_and_its_id_is_not_reused_for_another_purchase() -> None:
    records, keys = InMemoryStaffRecords(), Keys()
    first, second = a_member(records, 1), a_member(records, 2)
    pos, key = partner(records, keys), a_key(keys, Scope.POINTS_WRITE)
    purchase = PurchaseRequest(member_no="000001", receipt_id="R-1", amount_yen=1280)

    result, created = pos.record_purchase(key, purchase)
    again, created_again = pos.record_purchase(key, purchase)

    assert (created, created_again) == (True, False)
    assert result.points_added == again.points_added == 13
    assert records.members[first].points == 13
    for reused in (
        purchase.model_copy(update={"amount_yen": 1300}),
        purchase.model_copy(update={"member_no": "000002"}),
        purchase.model_copy(update={"store_id": "ginza"}),
    ):
        with pytest.raises(IdempotencyKeyReused):
            pos.record_purchase(key, reused)
    assert records.members[second].points in (None, 0)


def test_a_receipt_qr_is_claimed_once_by_one_member_and_dies_with_its_key() -> None:
    records, keys = InMemoryStaffRecords(), Keys()
    first, second = a_member(records, 1), a_member(records, 2)
    pos, key = partner(records, keys), a_key(keys, Scope.POINTS_WRITE)
    code = pos.make_receipt_code(key, ReceiptCodeRequest(receipt_id="R-2", amount_yen=500)).code

    assert pos.claim_receipt_code(first, code).points_added == 6
    for user, reason in ((first, RefusalReason.ALREADY_CLAIMED), (second, RefusalReason.USED)):
        with pytest.raises(ReceiptCodeRefused) as refused:
            pos.claim_receipt_code(user, code)
        assert refused.value.reason is reason
    assert records.members[first].points == 6

    other = pos.make_receipt_code(key, ReceiptCodeRequest(receipt_id="R-3", amount_yen=500)).code
    keys.items[key.key_id] = replace(keys.items[key.key_id], revoked_at=NOW)
    with pytest.raises(ReceiptCodeRefused) as refused:
        pos.claim_receipt_code(first, other)
    assert refused.value.reason is RefusalReason.REVOKED


def test_personal_fields_only_for_a_key_with_their_scope() -> None:
    records, keys = InMemoryStaffRecords(), Keys()
    a_member(records, 1, phone="09012345678")
    pos = partner(records, keys)
    plain = pos.lookup(a_key(keys, Scope.MEMBERS_READ), MemberRef(member_no="1"))
    personal = pos.lookup(
        a_key(keys, Scope.MEMBERS_READ, Scope.MEMBERS_READ_PERSONAL), MemberRef(member_no="1")
    )
    assert plain.personal is None and plain.member_no == "000001"
    assert personal.personal is not None and personal.personal.phone == "09012345678"
    assert [entry.action for entry in records.audit] == ["api.member.lookup", "api.member.lookup"]
