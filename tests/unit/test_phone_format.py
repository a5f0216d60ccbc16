"""Phone numbers are shown as Japanese people write them."""

import pytest

from daifuku.domain.phone_numbers import format_phone


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("09012345678", "090-1234-5678"),
        ("08033334444", "080-3333-4444"),
        ("07011112222", "070-1111-2222"),
        ("05012345678", "050-1234-5678"),
        ("0312345678", "03-1234-5678"),
        ("0612345678", "06-1234-5678"),
        ("0451234567", "045-123-4567"),
        ("0120123456", "0120-123-456"),
        ("0570123456", "0570-123-456"),
        ("08001234567", "0800-123-4567"),
        ("090-1234-5678", "090-1234-5678"),  # already hyphenated
        ("", ""),
        (None, ""),
        ("+81 90 1234 5678", "+81 90 1234 5678"),  # not ours to reshape
        ("12345", "12345"),
    ],
)
def test_phone_numbers_get_their_hyphens(stored, shown):
    assert format_phone(stored) == shown
