"""Drawing the shop's rich menu images with Pillow: used by the operator CLI and by the rich menu
painter function (whose layer is the only one with Pillow and a Japanese font)."""
