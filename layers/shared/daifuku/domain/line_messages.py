"""The LINE messages Daifuku sends, in LINE's wire format (messaging-api.yml), with Japanese text."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from daifuku.domain.errors import LeftToTheOtherTool, LineRequestFailed
from daifuku.domain.phone_numbers import dialable, format_phone
from daifuku.models.shop import ShopInfo


def liff_url(liff_id: str | None) -> str | None:
    """A LIFF app's URL, which opens it inside LINE (None without the app)."""
    return f"https://liff.line.me/{liff_id}" if liff_id else None


def best_effort(notes: list[str], what: str, call: Callable[..., Any], *args: Any) -> bool:
    """Call LINE where a failure must not stop the event's handling: whether it was sent (a note
    for the log when not)."""
    try:
        call(*args)
    except LeftToTheOtherTool:
        notes.append(f"{what} left to the other tool")
        return False
    except LineRequestFailed as error:
        notes.append(f"{what} failed ({error.status})")
        return False
    return True


def text_message(text: str) -> dict[str, Any]:
    return {"type": "text", "text": text}


def registration_invitation(text: str, button_label: str, url: str) -> dict[str, Any]:
    """A short message with one button that opens a LIFF page (a Flex bubble: no 160-character limit)."""
    return {
        "type": "flex",
        "altText": text[:400],
        "contents": {
            "type": "bubble",
            "body": {
                "type": "box",
                "layout": "vertical",
                "contents": [{"type": "text", "text": text, "wrap": True}],
            },
            "footer": {
                "type": "box",
                "layout": "vertical",
                "contents": [
                    {
                        "type": "button",
                        "style": "primary",
                        "action": {"type": "uri", "label": button_label, "uri": url},
                    }
                ],
            },
        },
    }


def staff_new_friend_alert(friends: list[tuple[str | None, bool]]) -> dict[str, Any]:
    """One notice for the staff about the friends who just followed: (display name, returning)."""
    lines = []
    for display_name, returning in friends[:20]:
        name = f"{display_name}さん" if display_name else "（お名前を取得できませんでした）"
        lines.append(f"・{name}{'（以前にも友だちでした）' if returning else ''}")
    if len(friends) > 20:
        lines.append(f"ほか{len(friends) - 20}名")
    return text_message("新しい友だちが追加されました。\n" + "\n".join(lines))


SHOP_INFO_ROWS = (
    ("hours", "営業時間"),
    ("closed_days", "定休日"),
    ("address", "住所"),
    ("phone", "電話番号"),
)


def shop_info_card(shop_name: str, theme_color: str, info: ShopInfo | None) -> dict[str, Any]:
    """「お店の情報」: a Flex bubble with what the shop has set (unset fields left out), a button to call
    and one to open the map."""
    info = info or ShopInfo()
    rows: list[dict[str, Any]] = []
    for field, label in SHOP_INFO_ROWS:
        value = format_phone(info.phone) if field == "phone" else getattr(info, field)
        if value:
            rows.append(
                {
                    "type": "box",
                    "layout": "baseline",
                    "spacing": "sm",
                    "contents": [
                        {"type": "text", "text": label, "size": "sm", "color": "#888888", "flex": 2},
                        {"type": "text", "text": value, "size": "sm", "wrap": True, "flex": 5},
                    ],
                }
            )
    body: list[dict[str, Any]] = [
        {
            "type": "text",
            "text": shop_name,
            "weight": "bold",
            "size": "lg",
            "wrap": True,
            "color": theme_color,
        },
    ]
    if rows:
        body.append({"type": "box", "layout": "vertical", "spacing": "sm", "margin": "lg", "contents": rows})
    if info.free_text:
        body.append({"type": "text", "text": info.free_text, "size": "sm", "wrap": True, "margin": "lg"})
    if not rows and not info.free_text:
        body.append(
            {"type": "text", "text": "お店の情報は準備中です。", "size": "sm", "wrap": True, "margin": "lg"}
        )
    buttons: list[dict[str, Any]] = []
    if info.phone:
        buttons.append(_link_button("電話をかける", f"tel:{dialable(info.phone)}", theme_color))
    if info.map_url:
        buttons.append(_link_button("地図を開く", info.map_url, theme_color))
    bubble: dict[str, Any] = {
        "type": "bubble",
        "body": {"type": "box", "layout": "vertical", "contents": body},
    }
    if buttons:
        bubble["footer"] = {"type": "box", "layout": "vertical", "spacing": "sm", "contents": buttons}
    return {"type": "flex", "altText": f"{shop_name}のお店の情報"[:400], "contents": bubble}


def _link_button(label: str, uri: str, colour: str) -> dict[str, Any]:
    return {
        "type": "button",
        "style": "primary",
        "color": colour,
        "height": "sm",
        "action": {"type": "uri", "label": label, "uri": uri},
    }


def _paragraph(text: str) -> dict[str, Any]:
    return {"type": "text", "text": text, "size": "sm", "wrap": True, "margin": "lg"}
