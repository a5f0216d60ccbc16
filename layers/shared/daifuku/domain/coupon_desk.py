"""Coupons the shop hands out beyond the counter: templates, issuing to a member or a segment, the
counter poster's daily claim code, and coupons bought with points.

Pure domain, on the staff desk's ports: every change writes one audit entry through the desk.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from daifuku.domain.errors import (
    CouponAlreadyClaimed,
    CouponTemplateNotFound,
    FieldProblem,
    IdempotencyKeyReused,
    InvalidClaimCode,
    InvalidRegistration,
    NotExchangeable,
)
from daifuku.domain.points import EntryKind, LedgerEntry, exchange_entry_id, request_fingerprint
from daifuku.domain.poster_codes import issue_poster_code, poster_period, verify_poster_code
from daifuku.domain.segments import in_segment
from daifuku.domain.staff_desk import StaffDesk
from daifuku.models.membership import Coupon, CouponView
from daifuku.models.staff import CouponTemplateRecord, CouponTemplateRequest, IssueRequest

# Issuing to a segment runs within the request (API Gateway allows 30 s); larger audiences take a
# campaign with a coupon, which the push workers grant as they send.
MAX_SEGMENT_ISSUE = 2000


@dataclass
class CouponDesk:
    desk: StaffDesk  # the records, the shop, the clock and the audit log it works with

    def create_template(self, owner: str, request: CouponTemplateRequest) -> CouponTemplateRecord:
        asked = CouponTemplateRecord(**request.model_dump(), created_at=self.desk.clock())
        template = self.desk.coupons.save_template(asked)
        if template.model_dump(exclude={"created_at"}) != asked.model_dump(exclude={"created_at"}):
            raise IdempotencyKeyReused(request.template_id)  # the id holds another template
        self.desk.audit(owner, "coupon_template.create", None, template_id=template.template_id)
        return template

    def issue(self, owner: str, template_id: str, request: IssueRequest) -> int:
        """Give the template's coupon to one member or to a segment's members; how many the issue gave.
        A retried request (same issue_id, same request) gives nothing more and answers the first count;
        the issue_id with another template or audience is IdempotencyKeyReused. Flags do not matter
        here: a coupon is not a message."""
        template = self._template(template_id)
        asked = request.model_dump(mode="json", exclude={"issue_id"}) | {"template_id": template_id}
        fingerprint = request_fingerprint(asked)
        if self.desk.coupons.record_issue(request.issue_id, fingerprint, self.desk.clock()) != fingerprint:
            raise IdempotencyKeyReused(request.issue_id)
        coupon = self._coupon_from(template, f"{template.template_id}-{request.issue_id}")
        if request.user_id is not None:
            self.desk.live_member(request.user_id)
            user_ids = [request.user_id]
        else:
            assert request.segment is not None
            today = self.desk.today()
            selection = self.desk.search_index.select_members(request.segment)
            user_ids = [
                m.user_id for m in selection.members if m.is_member and in_segment(request.segment, m, today)
            ]
            if len(user_ids) > MAX_SEGMENT_ISSUE:
                raise InvalidRegistration([FieldProblem("segment", "too_many_members")])
        given = sum(self.desk.coupons.grant_coupon(user_id, coupon) for user_id in user_ids)
        self.desk.audit(
            owner,
            "coupon.issue",
            request.user_id,
            template_id=template_id,
            issue_id=request.issue_id,
            issued=given,
            to_segment=request.segment is not None,
        )
        return self.desk.coupons.count_issued(request.issue_id, given)

    def poster_code(self, template_id: str) -> tuple[str, str | None, date, date]:
        """(the code of a poster printed today, the URL its QR opens, its first and last day): the
        period is the one the owner chose in 設定."""
        template = self._template(template_id)
        today = self.desk.today()
        last_day = poster_period(today, self.desk.shop.poster_code_validity, template.valid_days)
        code = issue_poster_code(template.template_id, today, self.desk.poster_key, last_day)
        card_app = self.desk.shop.liff_apps.card
        url = f"https://liff.line.me/{card_app}?claim={code}" if card_app else None
        return code, url, today, last_day

    def claim_poster_coupon(self, user_id: str, code: str) -> tuple[CouponView, bool]:
        """The customer's claim of the poster's coupon: a genuine code within its period, once per
        member; (the coupon, whether this claim gave it). The same code again (a retry) answers the
        coupon it gave; another code of the same coupon is CouponAlreadyClaimed."""
        poster = verify_poster_code(code, self.desk.poster_key, self.desk.today())
        template = self.desk.coupons.load_template(poster.template_id)
        if template is None:
            raise InvalidClaimCode("no such coupon")
        self.desk.live_member(user_id)
        coupon = self._coupon_from(template, f"poster-{template.template_id}").model_copy(
            update={"claimed_with": request_fingerprint({"code": code})}
        )
        if self.desk.coupons.grant_coupon(user_id, coupon):
            return CouponView.of(coupon), True
        held = next(
            (c for c in self.desk.coupons.coupons_of(user_id) if c.coupon_id == coupon.coupon_id), None
        )
        if held is None or held.claimed_with is None or held.claimed_with != coupon.claimed_with:
            raise CouponAlreadyClaimed(user_id)
        return CouponView.of(held), False

    def exchange_offer(self, user_id: str) -> tuple[int, list[CouponTemplateRecord]]:
        """(the member's points, the templates they can buy with points): the card page's choices."""
        member = self.desk.live_member(user_id)
        offered = [t for t in self.desk.coupons.templates() if t.points_cost is not None]
        return member.points or 0, sorted(offered, key=lambda t: (t.points_cost or 0, t.title))

    def exchange_points(self, user_id: str, template_id: str, exchange_id: str) -> tuple[CouponView, bool]:
        """The customer buys the template's coupon with points: the deduction and the coupon in one
        transaction; the same exchange_id again changes nothing. NotEnoughPoints, NotExchangeable."""
        template = self._template(template_id)
        if template.points_cost is None:
            raise NotExchangeable(template_id)
        self.desk.live_member(user_id)
        coupon = self._coupon_from(template, f"{template.template_id}-x{exchange_id}")
        entry = LedgerEntry(
            exchange_entry_id(exchange_id),
            user_id,
            EntryKind.EXCHANGE,
            -template.points_cost,
            self.desk.clock(),
            None,
            f"coupon {template.template_id}",
            fingerprint=request_fingerprint({"template_id": template.template_id}),
        )
        created = self.desk.points.apply_points(entry, coupon=coupon, require_points=template.points_cost)
        if created:
            self.desk.settle_rank(user_id, entry)
            self.desk.points_changed(entry, None, None)
            return CouponView.of(coupon), True
        entry.check_retry_of(self.desk.points.ledger_entry(user_id, entry.entry_id))
        held = {c.coupon_id: c for c in self.desk.coupons.coupons_of(user_id)}
        return CouponView.of(held.get(coupon.coupon_id, coupon)), False

    def _template(self, template_id: str) -> CouponTemplateRecord:
        template = self.desk.coupons.load_template(template_id)
        if template is None:
            raise CouponTemplateNotFound(template_id)
        return template

    def _coupon_from(self, template: CouponTemplateRecord, coupon_id: str) -> Coupon:
        return template.coupon(coupon_id, self.desk.clock(), self.desk.today())
