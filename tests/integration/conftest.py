"""Fixtures of the integration tests: the staff console's API as the shop's owner calls it."""

from __future__ import annotations

import pytest

from tests.integration.campaign_api import make_staff
from tests.integration.member_api import MemberApi


@pytest.fixture(scope="module")
def api(local_stack, line) -> MemberApi:
    return MemberApi(local_stack.urls.api, line)


@pytest.fixture(scope="module")
def owner(member_table, api) -> str:
    """A LINE user on the staff list as the shop's owner."""
    return make_staff(member_table, api, "owner")
