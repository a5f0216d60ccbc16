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


def staff_new_friend_alert(display_name: str | None, returning: bool) -> dict[str, Any]:
    name = f"{display_name}さん" if display_name else "(お名前を取得できませんでした)"
    note = "以前にも友だちだった方です。" if returning else "はじめての友だち追加です。"
    return text_message(f"新しい友だちが追加されました:{name}\n{note}")
