"""What the shop's POS does through /api/v1/, and the customer's receipt QR: the counter's own rules
(StaffDesk: visits, points by the shop's rule, coupons redeemed once) acting for an API key.

A purchase's points are a visit whose id is the receipt's (`receipt-<receipt id>`), so the ledger
gives them once however often, or however concurrently, the POS sends it. The receipt itself is an
item (RECEIPT#<receipt id>) written if absent, holding whose it is and what it was for: the same id
for another member, amount or store is refused, and a receipt QR scanned by a second customer finds
it taken.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from daifuku.domain.api_keys import ApiKeyRecord, ApiKeyRecords, Scope, receipt_secret
from daifuku.domain.card_token import read_card_token, verify_card_token
from daifuku.domain.errors import IdempotencyKeyReused, InvalidCardToken, MemberNotFound
from daifuku.domain.receipt_codes import (
    ReceiptCode,
    ReceiptCodeRefused,
    RefusalReason,
    read_receipt_code,
    verify_receipt_code,
)
from daifuku.domain.search_text import member_number_candidates
from daifuku.domain.staff_desk import StaffDesk
from daifuku.models.membership import MembershipRecord
from daifuku.models.partner_api import (
    MemberRef,
    PartnerCoupon,
    PartnerMember,
    PartnerVisitRequest,
    PartnerVisitResult,
    PersonalFields,
    PurchaseRequest,
    PurchaseResult,
    ReceiptCodeRequest,
    ReceiptCodeResult,
    RedeemResult,
)
from daifuku.models.staff import VisitRequest


@dataclass(frozen=True)
class ReceiptRecord:
    """Item RECEIPT#<receipt id>: the member who got the receipt's points, and for what."""

    receipt_id: str
    user_id: str
    amount_yen: int
    store_id: str | None
    at: datetime
    by: str  # the key's actor (api-key:<id>)
    via: str  # "api" (POST /purchases) or "qr" (the customer scanned the receipt)

    def same_purchase(self, other: ReceiptRecord) -> bool:
        return (self.user_id, self.amount_yen, self.store_id) == (
            other.user_id,
            other.amount_yen,
            other.store_id,
        )


class ReceiptRecords(Protocol):
    def claim_receipt(self, receipt: ReceiptRecord) -> ReceiptRecord | None:
        """Write the receipt if it is new (None); else leave it and return the stored one."""
        ...


def receipt_visit_id(receipt_id: str) -> str:
    return f"receipt-{receipt_id}"


@dataclass
class PartnerDesk:
    desk: StaffDesk
    keys: ApiKeyRecords
    receipts: ReceiptRecords
    card_signing_key: bytes
    receipt_key: bytes  # api_keys.receipt_signing_key(channel secret)

    # Finding the member

    def member(self, ref: MemberRef) -> MembershipRecord:
        """The live member behind a scanned card (this or the last 30 seconds) or a member number."""
        if ref.card_token is not None:
            return self._member_of_card(ref.card_token)
        for candidate in member_number_candidates(ref.member_no or "", self.desk.shop.member_number_format):
            record = self.desk.members.find_member_by_number(candidate)
            if record is not None and record.is_member:
                return record
        raise MemberNotFound("member number")

    def _member_of_card(self, token: str) -> MembershipRecord:
        try:
            card = read_card_token(token)
        except InvalidCardToken:
            raise MemberNotFound("card token") from None
        record = self.desk.members.find_member_by_number(card.member_no)
        if record is None or not record.is_member or record.member_no != card.member_no:
            raise MemberNotFound("card token")
        # InvalidCardToken (forged) / ExpiredCardToken (a screenshot) for the route's table.
        verify_card_token(token, record.user_id, self.card_signing_key, self.desk.clock().timestamp())
        return record

    def view(self, record: MembershipRecord, key: ApiKeyRecord) -> PartnerMember:
        today = self.desk.today()
        coupons = sorted(
            (c for c in self.desk.coupons.coupons_of(record.user_id) if c.is_active(today)),
            key=lambda c: (c.expires_on or date.max, c.issued_at),
        )
        personal = None
        if key.allows(Scope.MEMBERS_READ_PERSONAL):
            personal = PersonalFields(
                name=record.name,
                name_kana=record.name_kana,
                phone=record.phone,
                email=record.email,
                birthdate=record.birthdate,
            )
        return PartnerMember(
            member_no=record.member_no or "",
            display_name=record.display_name,
            rank=record.rank,
            points=record.points or 0,
            coupons=[
                PartnerCoupon(
                    coupon_id=c.coupon_id,
                    title=c.title,
                    discount_text=c.discount_text,
                    expires_on=c.expires_on,
                )
                for c in coupons
            ],
            personal=personal,
        )

    def lookup(self, key: ApiKeyRecord, ref: MemberRef) -> PartnerMember:
        record = self.member(ref)
        self.desk.audit(key.actor, "api.member.lookup", record.user_id, key_name=key.name)
        return self.view(record, key)

    # Purchases and visits

    def record_purchase(self, key: ApiKeyRecord, request: PurchaseRequest) -> tuple[PurchaseResult, bool]:
        """Points for the receipt by the shop's rule: (result, True) once; the same request again
        answers (the same points, False); the receipt id for anything else: IdempotencyKeyReused."""
        record = self.member(request)
        receipt = self._receipt(key, request.receipt_id, request.amount_yen, request.store_id, record, "api")
        stored = self.receipts.claim_receipt(receipt)
        if stored is not None and not stored.same_purchase(receipt):
            raise IdempotencyKeyReused(request.receipt_id)
        return self._points_for(key, receipt, record)

    def record_visit(
        self, key: ApiKeyRecord, request: PartnerVisitRequest
    ) -> tuple[PartnerVisitResult, bool]:
        record = self.member(request)
        visit = VisitRequest(visit_id=request.visit_id, store_id=request.store_id)
        result, created = self.desk.record_visit(key.actor, record.user_id, visit)
        answer = PartnerVisitResult(
            visit_id=request.visit_id,
            member_no=record.member_no or "",
            points_added=result.points_added,
            points=result.points,
            rank=result.rank,
        )
        return answer, created

    def _points_for(
        self, key: ApiKeyRecord, receipt: ReceiptRecord, record: MembershipRecord
    ) -> tuple[PurchaseResult, bool]:
        """The purchase's points as the counter's visit gives them; whether this call gave them."""
        visit = VisitRequest(
            visit_id=receipt_visit_id(receipt.receipt_id),
            store_id=receipt.store_id,
            amount_yen=receipt.amount_yen,
        )
        result, created = self.desk.record_visit(key.actor, receipt.user_id, visit)
        purchase = PurchaseResult(
            receipt_id=receipt.receipt_id,
            member_no=record.member_no or "",
            points_added=result.points_added,
            points=result.points,
            rank=result.rank,
            rank_up=result.rank_up,
        )
        return purchase, created

    def _receipt(
        self,
        key: ApiKeyRecord,
        receipt_id: str,
        amount_yen: int,
        store_id: str | None,
        record: MembershipRecord,
        via: str,
    ) -> ReceiptRecord:
        return ReceiptRecord(
            receipt_id, record.user_id, amount_yen, store_id, self.desk.clock(), key.actor, via
        )

    # Coupons

    def redeem(self, key: ApiKeyRecord, ref: MemberRef, coupon_id: str) -> RedeemResult:
        """As at the counter: once, however many registers tap at the same moment."""
        record = self.member(ref)
        used_at = self.desk.redeem(key.actor, record.user_id, coupon_id)
        return RedeemResult(coupon_id=coupon_id, member_no=record.member_no or "", used_at=used_at)

    # Receipt QR codes

    def make_receipt_code(self, key: ApiKeyRecord, request: ReceiptCodeRequest) -> ReceiptCodeResult:
        """The code to print on the receipt (what the POS could also sign offline with its secret)."""
        unsigned = ReceiptCode(
            key.key_id, request.receipt_id, request.amount_yen, request.store_id, self.desk.clock()
        )
        code = unsigned.signed(receipt_secret(self.receipt_key, key.key_id))
        card_app = self.desk.shop.liff_apps.card
        url = f"https://liff.line.me/{card_app}?receipt={code}" if card_app else None
        self.desk.audit(key.actor, "api.receipt_code", None, key_name=key.name, receipt_id=request.receipt_id)
        return ReceiptCodeResult(code=str(code), url=url, expires_at=code.expires_at)

    def claim_receipt_code(self, user_id: str, text: str) -> PurchaseResult:
        """The customer scanned a receipt QR: its points, once. ReceiptCodeRefused says why not."""
        code = read_receipt_code(text)
        key = self.keys.load_api_key(code.key_id)
        if key is None:
            raise ReceiptCodeRefused(RefusalReason.FORGED)
        verify_receipt_code(code, receipt_secret(self.receipt_key, key.key_id), self.desk.clock())
        if key.revoked_at is not None:
            raise ReceiptCodeRefused(RefusalReason.REVOKED)
        record = self.desk.live_member(user_id)
        receipt = self._receipt(key, code.receipt_id, code.amount_yen, code.store_id, record, "qr")
        stored = self.receipts.claim_receipt(receipt)
        if stored is not None and stored.user_id != user_id:
            raise ReceiptCodeRefused(RefusalReason.USED)
        purchase, created = self._points_for(key, receipt, record)
        if not created:
            raise ReceiptCodeRefused(RefusalReason.ALREADY_CLAIMED)
        return purchase
