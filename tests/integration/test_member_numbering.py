"""Member numbers reserved then completed, against the local stack's table: a writer that dies between
the two steps leaves a reservation that the user's next attempt, or the daily repair, completes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from daifuku.adapters.dynamodb.members import MemberRepository
from daifuku.adapters.dynamodb.shop import ShopConfigRepository
from daifuku.adapters.dynamodb.table import TableGateway
from daifuku.domain.member_numbers import (
    NumberIssue,
    complete_stale_reservations,
    format_member_number,
    issue_member_number,
)
from daifuku.models.member import MembershipStatus
from daifuku.models.shop import MemberNumberFormat
from tests.integration.member_api import a_form
from tests.integration.test_member_card_api import counter, member_item, number_item

pytestmark = pytest.mark.slow


class WriterDiesAfterReserving:
    """The real repository, except that the Lambda dies (a timeout) before completing, once."""

    def __init__(self, repository: MemberRepository):
        self.repository = repository

    def __getattr__(self, name: str) -> Any:
        return getattr(self.repository, name)

    def complete_member_number(self, issue: NumberIssue) -> None:
        raise TimeoutError("Task timed out after 10.00 seconds")


def shop_number_format(member_table) -> MemberNumberFormat:
    return ShopConfigRepository(TableGateway.of(member_table)).load_shop_config().member_number_format


def reservations(member_table) -> dict[str, int]:
    return MemberRepository(TableGateway.of(member_table)).member_number_reservations()


def test_a_number_reserved_by_a_writer_that_died_is_completed_by_the_users_next_attempt(api, member_table):
    # Given a customer whose card call died after reserving a number
    repository = MemberRepository(TableGateway.of(member_table))
    number_format = shop_number_format(member_table)
    late, other = api.simulated_user(), api.simulated_user()
    with pytest.raises(TimeoutError):
        issue_member_number(
            WriterDiesAfterReserving(repository),  # type: ignore[arg-type]
            late,
            number_format,
            MembershipStatus.GUEST,
            None,
            datetime.now(UTC),
        )
    reserved = reservations(member_table)[late]
    assert member_item(member_table, late) is None or "member_no" not in member_item(member_table, late)

    # When another customer registers meanwhile, and then the first one comes back and registers
    status, registered_other = api.register(other, a_form())
    assert status == 200, registered_other
    status, registered_late = api.register(late, a_form())

    # Then the first customer gets the number reserved for them: completed, not lost, and not given twice
    assert status == 200, registered_late
    assert registered_late["member_no"] == format_member_number(reserved, number_format)
    assert registered_other["member_no"] != registered_late["member_no"]
    assert number_item(member_table, registered_late["member_no"])["user_id"] == late
    assert number_format.first_number <= reserved <= counter(member_table)


def test_the_daily_repair_completes_a_reservation_whose_customer_never_came_back(api, member_table):
    # Given a reservation whose writer died, and a customer who never opens the card again
    repository = MemberRepository(TableGateway.of(member_table))
    gone = api.simulated_user()
    number_format = shop_number_format(member_table)
    with pytest.raises(TimeoutError):
        issue_member_number(
            WriterDiesAfterReserving(repository),  # type: ignore[arg-type]
            gone,
            number_format,
            MembershipStatus.GUEST,
            None,
            datetime.now(UTC),
        )
    reserved = reservations(member_table)[gone]

    # When the repair runs
    completed = complete_stale_reservations(repository, number_format, datetime.now(UTC))

    # Then the reserved number is held by that customer (a guest card): no gap in the numbering
    member_no = format_member_number(reserved, number_format)
    assert member_no in completed
    assert member_item(member_table, gone)["member_no"] == member_no
    assert number_item(member_table, member_no)["user_id"] == gone
    assert gone not in reservations(member_table)
