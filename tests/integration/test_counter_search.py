"""The counter forgives: a number typed without its zeros, kana of either kind and width, a tag with
or without 「#」, and members saved before the search normalised (their stored names as typed)."""

from __future__ import annotations

import random
import unicodedata
import urllib.request
import uuid

from tests.integration.staff_api import member_item, registered_member

KATAKANA = "アイウエオカキクケコサシスセソタチツテトナニヌネノ"


def found(api, clerk, query: str) -> list[str]:
    status, answer = api.call("GET", f"/liff/api/staff/members?q={urllib.request.quote(query)}", clerk)
    assert status == 200, answer
    return [m["user_id"] for m in answer["members"]]


def hiragana(katakana: str) -> str:
    return "".join(chr(ord(c) - 0x60) for c in katakana)


def half_width(katakana: str) -> str:
    """ｱｲｳ: what an old register or a legacy import may have stored."""
    table = {unicodedata.normalize("NFKC", chr(c)): chr(c) for c in range(0xFF66, 0xFF9E)}
    return "".join(table.get(c, c) for c in katakana)


def test_a_number_typed_without_its_zeros_or_in_full_width_finds_the_member(api, clerk):
    user, member_no = registered_member(api, follow=False)
    short = str(int(member_no))  # 「123」 for 000123

    assert user in found(api, clerk, short)
    assert user in found(api, clerk, short.translate(str.maketrans("0123456789", "０１２３４５６７８９")))
    status, answer = api.call("GET", f"/liff/api/staff/members/by-number/{short}", clerk)
    assert (status, answer["member_no"]) == (200, member_no)


def test_kana_in_hiragana_katakana_or_half_width_find_the_same_member(api, clerk):
    kana = "ケンサク" + "".join(random.choice(KATAKANA) for _ in range(6))
    user, _ = registered_member(api, follow=False, name_kana=kana)

    assert user in found(api, clerk, kana[3:])
    assert user in found(api, clerk, hiragana(kana[3:]))
    assert user in found(api, clerk, half_width(kana[3:]))


def test_a_member_stored_before_normalisation_is_found_by_any_spelling(api, clerk, member_table):
    kana = "キュウ" + "".join(random.choice(KATAKANA) for _ in range(6))
    user, _ = registered_member(api, follow=False)
    # As an older version or an import stored it: half-width katakana, untouched.
    member_table.update_item(
        Key={"pk": member_item(member_table, user)["pk"], "sk": member_item(member_table, user)["sk"]},
        UpdateExpression="SET name_kana = :kana",
        ExpressionAttributeValues={":kana": half_width(kana)},
    )

    assert user in found(api, clerk, hiragana(kana[2:]))
    assert user in found(api, clerk, kana[2:])


def test_a_tag_is_found_with_or_without_its_hash(api, clerk):
    user, _ = registered_member(api, follow=False)
    tag = f"常連{uuid.uuid4().hex[:4]}"
    assert api.call("PUT", f"/liff/api/staff/members/{user}/tags", clerk, {"tags": [tag]})[0] == 200

    assert found(api, clerk, f"#{tag}") == [user]
    assert found(api, clerk, f"＃{tag}") == [user]
    assert user in found(api, clerk, tag)
    # A lone 「#」 names no tag: refused with the field's problem, never a 500
    status, answer = api.call("GET", f"/liff/api/staff/members?q={urllib.request.quote('#')}", clerk)
    assert (status, answer["errors"][0]["field"]) == (422, "q"), answer


def test_the_audit_log_names_the_member_and_the_flag_that_changed(api, owner, clerk):
    user, member_no = registered_member(api, follow=False, name="監査 花子")
    body = {"do_not_send": True, "do_not_send_reason": "ご本人のご希望", "complaint_hold": False}
    assert api.call("PUT", f"/liff/api/staff/members/{user}/flags", clerk, body)[0] == 200

    status, log = api.call("GET", "/liff/api/staff/audit?limit=5", owner)

    assert status == 200
    entry = next(e for e in log["entries"] if e["action"] == "flags.set" and e["target_user_id"] == user)
    assert entry["target_label"] == f"{member_no} 監査 花子"
    assert entry["detail"]["changed"] == [{"flag": "do_not_send", "on": True}]
