"""The owner's 顧客一覧: one row per LINE user in the ledger, personal fields joined in, ready for a
spreadsheet. `daifuku export --for-excel` and the staff console's download both build it here.

Times are the shop's local time (JST for a shop in Japan); member numbers, phones and user ids are
text, so a spreadsheet keeps their leading zeros. A deleted member's row keeps only the number and the
state: their personal data is gone from the ledger, and stays out of the list.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from daifuku.models.member import Member, MembershipStatus
from daifuku.models.registration import CUSTOM_DATE_SLOTS, CUSTOM_TEXT_SLOTS
from daifuku.models.shop import ShopConfig

SHEET_TITLE = "顧客一覧"
STATUS_LABELS = {
    MembershipStatus.FRIEND: "友だち",
    MembershipStatus.GUEST: "会員（未登録）",
    MembershipStatus.REGISTERED: "会員",
    MembershipStatus.DELETED: "退会済み",
}
GENDER_LABELS = {"female": "女性", "male": "男性", "other": "その他", "unspecified": "回答しない"}
YES = "はい"
TAG_SEPARATOR = "、"


class CellKind(StrEnum):
    TEXT = "text"  # kept as typed: 000123 and 09012345678 keep their zeros
    NUMBER = "number"
    DATE = "date"
    DATETIME = "datetime"  # the shop's local time, without an offset (spreadsheets have none)


Cell = str | int | date | datetime | None


@dataclass(frozen=True)
class Column:
    header: str
    kind: CellKind = CellKind.TEXT


@dataclass(frozen=True)
class CustomerList:
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    title: str = SHEET_TITLE


def customer_list(members: Iterable[Member], shop: ShopConfig, timezone: ZoneInfo) -> CustomerList:
    """The list: members by number, then friends without one by when they first followed."""
    form = shop.registration_form
    ordered = sorted(members, key=_order)
    # The form's custom fields, and any slot a member still has an answer in (a field since removed).
    answered = {slot for member in ordered for slot in member.custom_fields}
    text_slots = _used_slots(CUSTOM_TEXT_SLOTS, [f.label for f in form.custom_texts], answered, "追加項目")
    date_slots = _used_slots(CUSTOM_DATE_SLOTS, [f.label for f in form.custom_dates], answered, "追加の日付")
    columns = (
        Column("会員番号"),
        Column("状態"),
        Column("氏名"),
        Column("フリガナ"),
        Column("電話番号"),
        Column("生年月日", CellKind.DATE),
        Column("性別"),
        Column("メールアドレス"),
        Column("店舗"),
        *(Column(label) for _, label in text_slots),
        *(Column(label, CellKind.DATE) for _, label in date_slots),
        Column("ポイント", CellKind.NUMBER),
        Column("ランク"),
        Column("タグ"),
        Column("最終来店日", CellKind.DATE),
        Column("会員登録日時", CellKind.DATETIME),
        Column("友だち追加日時", CellKind.DATETIME),
        Column("LINEの表示名"),
        Column("ブロック中"),
        Column("配信停止"),
        Column("LINEユーザーID"),
    )
    stores = {store.id: store.name for store in form.stores}

    def local(instant: datetime | None) -> datetime | None:
        return instant.astimezone(timezone).replace(tzinfo=None, microsecond=0) if instant else None

    def row(member: Member) -> tuple[Cell, ...]:
        status = STATUS_LABELS[member.status]
        if member.status is MembershipStatus.DELETED:
            return (member.member_no, status, *([None] * (len(columns) - 2)))
        custom = member.custom_fields
        return (
            member.member_no,
            status,
            member.name,
            member.name_kana,
            member.phone,
            member.birthdate,
            GENDER_LABELS.get(member.gender or "", member.gender),
            member.email,
            stores.get(member.store_id or "", member.store_id),
            *(custom.get(slot) for slot, _ in text_slots),
            *(_date(custom.get(slot)) for slot, _ in date_slots),
            member.points,
            member.rank,
            TAG_SEPARATOR.join(sorted(member.tags)) or None,
            member.last_visit_on,
            local(member.registered_at),
            local(member.first_followed_at or member.followed_at),
            member.display_name,
            YES if member.blocked else None,
            YES if member.do_not_send or member.complaint_hold else None,
            member.user_id,
        )

    return CustomerList(columns=columns, rows=tuple(row(member) for member in ordered))


def _used_slots(
    slots: tuple[str, ...], labels: list[str], answered: set[str], fallback: str
) -> list[tuple[str, str]]:
    """(slot, header) of each slot the form defines or a member answered; the owner's label first."""
    return [
        (slot, labels[n] if n < len(labels) else f"{fallback}{n + 1}")
        for n, slot in enumerate(slots)
        if n < len(labels) or slot in answered
    ]


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _order(member: Member) -> tuple[int, str, str]:
    if member.member_no is not None:
        # Same-length numbers sort as text; a longer one (a wider format) comes later.
        return (0, f"{len(member.member_no):04d}{member.member_no}", member.user_id)
    followed = member.first_followed_at or member.followed_at
    return (1, followed.isoformat() if followed else "", member.user_id)
