"""Every repository of the table, over one gateway: what the wiring, the operator CLI and the local
stack hand out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
from daifuku.adapters.dynamodb.table import TableGateway
from daifuku.adapters.dynamodb.tracked_links import TrackedLinkRepository


@dataclass(frozen=True)
class Repositories:
    gateway: TableGateway
    shop_config: ShopConfigRepository
    staff: StaffRepository
    stats: StatsRepository
    friends: FriendRepository
    members: MemberRepository
    coupons: CouponRepository
    points: PointsLedger
    member_care: MemberCareRepository
    partner_api: PartnerApiRepository
    connect: ConnectRepository
    tracked_links: TrackedLinkRepository
    inflow_routes: InflowRouteRepository
    campaign_funnel: CampaignFunnelRepository

    @classmethod
    def over(cls, gateway: TableGateway) -> Repositories:
        stats = StatsRepository(gateway)
        coupons = CouponRepository(gateway)
        links = TrackedLinkRepository(gateway)
        return cls(
            gateway=gateway,
            shop_config=ShopConfigRepository(gateway),
            staff=StaffRepository(gateway),
            stats=stats,
            friends=FriendRepository(gateway, stats),
            members=MemberRepository(gateway),
            coupons=coupons,
            points=PointsLedger(gateway),
            member_care=MemberCareRepository(gateway),
            partner_api=PartnerApiRepository(gateway),
            connect=ConnectRepository(gateway),
            tracked_links=links,
            inflow_routes=InflowRouteRepository(gateway, coupons),
            campaign_funnel=CampaignFunnelRepository(gateway, links),
        )

    @classmethod
    def for_table(cls, table_name: str, resource: Any = None) -> Repositories:
        """Over a gateway of its own (operator commands, the local stack's demo shop)."""
        return cls.over(TableGateway(table_name, resource))

    def member_reader(self) -> MemberReader:
        """A new reader per run: it counts the items that run read."""
        return MemberReader(self.gateway)

    def frequency_cap(self) -> FrequencyCapRepository:
        """A new one per run: it reads the shop's messaging rules once."""
        return FrequencyCapRepository(self.gateway)

    def scenarios(self) -> ScenarioRepository:
        """A new repository per run (its `items_read` is the run's)."""
        return ScenarioRepository(self.gateway)

    def conversations(self) -> ConversationRepository:
        """A new repository per request (its `items_read` is the request's)."""
        return ConversationRepository(self.gateway)

    def responder_members(self) -> ResponderMembers:
        return ResponderMembers(self.members, self.coupons, self.member_care)

    def campaigns(self) -> CampaignRepository:
        """A new repository per run (its `items_read` is the run's)."""
        return CampaignRepository(self.gateway, self.member_reader(), self.coupons)
