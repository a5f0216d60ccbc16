"""The LINE messages Daifuku sends, in LINE's wire format (messaging-api.yml), with Japanese text."""

from __future__ import annotations

from typing import Any


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
