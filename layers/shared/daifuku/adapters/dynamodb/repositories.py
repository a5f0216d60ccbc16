"""Every repository of the table, over one gateway: what the wiring, the operator CLI and the local
stack hand out.

Each repository's module is imported when the repository is first asked for, not with this module: a
request loads only the repositories (and the domain modules and models they import) it uses, which
is most of what a cold start's first request would otherwise spend importing (bench/cold_start.py,
tests/unit/test_perf_lazy_imports.py).
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from daifuku.adapters.dynamodb.table import TableGateway

if TYPE_CHECKING:
    from daifuku.adapters.dynamodb.campaign_funnel import CampaignFunnelRepository
    from daifuku.adapters.dynamodb.campaigns import CampaignRepository
    from daifuku.adapters.dynamodb.connect import ConnectRepository
    from daifuku.adapters.dynamodb.conversations import ConversationRepository, ResponderMembers
    from daifuku.adapters.dynamodb.coupons import CouponRepository
    from daifuku.adapters.dynamodb.frequency_cap import FrequencyCapRepository
    from daifuku.adapters.dynamodb.friends import FriendRepository
    from daifuku.adapters.dynamodb.inflow_routes import InflowRouteRepository
    from daifuku.adapters.dynamodb.member_care import MemberCareRepository
    from daifuku.adapters.dynamodb.members import MemberRepository
    from daifuku.adapters.dynamodb.partner_api import PartnerApiRepository
    from daifuku.adapters.dynamodb.points import PointsLedger
    from daifuku.adapters.dynamodb.scenarios import ScenarioRepository
    from daifuku.adapters.dynamodb.selection import MemberReader
    from daifuku.adapters.dynamodb.shop import ShopConfigRepository
    from daifuku.adapters.dynamodb.staff import StaffRepository
    from daifuku.adapters.dynamodb.stats import StatsRepository
    from daifuku.adapters.dynamodb.tracked_links import TrackedLinkRepository


class Repositories:
    """The repositories of one table gateway, each built on first use and kept (the properties); the
    methods build a new one per run, for the repositories that count a run's reads."""

    def __init__(self, gateway: TableGateway):
        self.gateway = gateway

    @classmethod
    def over(cls, gateway: TableGateway) -> Repositories:
        return cls(gateway)

    @classmethod
    def for_table(cls, table_name: str, resource: Any = None) -> Repositories:
        """Over a gateway of its own (operator commands, the local stack's demo shop)."""
        return cls.over(TableGateway(table_name, resource))

    @cached_property
    def shop_config(self) -> ShopConfigRepository:
        from daifuku.adapters.dynamodb.shop import ShopConfigRepository

        return ShopConfigRepository(self.gateway)

    @cached_property
    def staff(self) -> StaffRepository:
        from daifuku.adapters.dynamodb.staff import StaffRepository

        return StaffRepository(self.gateway)

    @cached_property
    def stats(self) -> StatsRepository:
        from daifuku.adapters.dynamodb.stats import StatsRepository

        return StatsRepository(self.gateway)

    @cached_property
    def friends(self) -> FriendRepository:
        from daifuku.adapters.dynamodb.friends import FriendRepository

        return FriendRepository(self.gateway, self.stats)

    @cached_property
    def members(self) -> MemberRepository:
        from daifuku.adapters.dynamodb.members import MemberRepository

        return MemberRepository(self.gateway)

    @cached_property
    def coupons(self) -> CouponRepository:
        from daifuku.adapters.dynamodb.coupons import CouponRepository

        return CouponRepository(self.gateway)

    @cached_property
    def points(self) -> PointsLedger:
        from daifuku.adapters.dynamodb.points import PointsLedger

        return PointsLedger(self.gateway)

    @cached_property
    def member_care(self) -> MemberCareRepository:
        from daifuku.adapters.dynamodb.member_care import MemberCareRepository

        return MemberCareRepository(self.gateway)

    @cached_property
    def partner_api(self) -> PartnerApiRepository:
        from daifuku.adapters.dynamodb.partner_api import PartnerApiRepository

        return PartnerApiRepository(self.gateway)

    @cached_property
    def connect(self) -> ConnectRepository:
        from daifuku.adapters.dynamodb.connect import ConnectRepository

        return ConnectRepository(self.gateway)

    @cached_property
    def tracked_links(self) -> TrackedLinkRepository:
        from daifuku.adapters.dynamodb.tracked_links import TrackedLinkRepository

        return TrackedLinkRepository(self.gateway)

    @cached_property
    def inflow_routes(self) -> InflowRouteRepository:
        from daifuku.adapters.dynamodb.inflow_routes import InflowRouteRepository

        return InflowRouteRepository(self.gateway, self.coupons)

    @cached_property
    def campaign_funnel(self) -> CampaignFunnelRepository:
        from daifuku.adapters.dynamodb.campaign_funnel import CampaignFunnelRepository

        return CampaignFunnelRepository(self.gateway, self.tracked_links)

    def member_reader(self) -> MemberReader:
        """A new reader per run: it counts the items that run read."""
        from daifuku.adapters.dynamodb.selection import MemberReader

        return MemberReader(self.gateway)

    def frequency_cap(self) -> FrequencyCapRepository:
        """A new one per run: it reads the shop's messaging rules once."""
        from daifuku.adapters.dynamodb.frequency_cap import FrequencyCapRepository

        return FrequencyCapRepository(self.gateway)

    def scenarios(self) -> ScenarioRepository:
        """A new repository per run (its `items_read` is the run's)."""
        from daifuku.adapters.dynamodb.scenarios import ScenarioRepository

        return ScenarioRepository(self.gateway)

    def conversations(self) -> ConversationRepository:
        """A new repository per request (its `items_read` is the request's)."""
        from daifuku.adapters.dynamodb.conversations import ConversationRepository

        return ConversationRepository(self.gateway)

    def responder_members(self) -> ResponderMembers:
        from daifuku.adapters.dynamodb.conversations import ResponderMembers

        return ResponderMembers(self.members, self.coupons, self.gateway)

    def campaigns(self) -> CampaignRepository:
        """A new repository per run (its `items_read` is the run's)."""
        from daifuku.adapters.dynamodb.campaigns import CampaignRepository

        return CampaignRepository(self.gateway, self.member_reader(), self.coupons)
