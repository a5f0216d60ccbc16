"""The Japanese font the CLI draws with (the poster, the rich menus): found as the painter finds it."""

from daifuku_menu_drawing.fonts import FontFace, NoJapaneseFont, japanese_font

__all__ = ["FontFace", "NoJapaneseFont", "japanese_font"]
