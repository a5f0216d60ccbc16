"""The demo shop the local stack starts with: configuration, rich menus, a few friends and an owner."""

from __future__ import annotations

import importlib
import logging
import threading

import boto3

from daifuku.adapters.dynamodb.repositories import Repositories
from daifuku.models.shop import LiffApps, PointsRule, Rank, ShopConfig
from daifuku.models.staff import CouponTemplateRecord
from daifuku_local.aws_resources import REGION
from daifuku_local.line_platform import LineSimulator

log = logging.getLogger("daifuku_local.demo_shop")

# The seed configures LINE as `daifuku setup` does, through line-bot-sdk, whose import takes seconds
# of CPU: the local stack starts it (preload_setup_modules) while moto starts, and the seed imports
# these modules only when it runs.
SETUP_MODULES = ("daifuku_cli.line_clients", "daifuku_cli.shop_setup")

LOCAL_LIFF_APPS = LiffApps(card="local-card", registration="local-register", staff="local-staff")
LIFF_PAGES = {"local-card": "card.html", "local-register": "register.html", "local-staff": "staff.html"}
DEMO_FRIENDS = ("佐藤さくら", "鈴木健太", "高橋みどり")
DEMO_RANKS = (
    Rank(name="レギュラー", min_points=0),
    Rank(name="シルバー", min_points=100),
    Rank(name="ゴールド", min_points=300),
)
DEMO_COUPON_TEMPLATES = (
    CouponTemplateRecord(
        template_id="demo-drink",
        title="ドリンク1杯無料",
        description="お好きなドリンクを1杯サービスいたします。",
        discount_text="無料",
        valid_days=30,
        points_cost=50,
    ),
    CouponTemplateRecord(
        template_id="demo-10off",
        title="お会計10%OFF",
        description="次回のお会計から10%お値引きいたします。",
        discount_text="10%OFF",
        valid_days=14,
    ),
)


def preload_setup_modules() -> threading.Thread:
    """Import the setup code (and line-bot-sdk) in the background; the seed waits for it if need be."""

    def import_all() -> None:
        for module in SETUP_MODULES:
            importlib.import_module(module)

    thread = threading.Thread(target=import_all, name="preload-setup-modules", daemon=True)
    thread.start()
    return thread


def seed_demo_shop(
    simulator: LineSimulator, aws_endpoint: str, table_name: str, liff_site_url: str
) -> dict[str, str]:
    """Configure the shop, create its rich menus (as `daifuku setup` does) and owner, and have the demo
    friends follow it."""
    from daifuku_cli.line_clients import LineEndpoints, line_clients
    from daifuku_cli.shop_setup import SetupReport, ShopSetup

    resource = boto3.resource(
        "dynamodb",
        endpoint_url=aws_endpoint,
        region_name=REGION,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    table = Repositories.for_table(table_name, resource)
    table.shop_config.save_shop_config(
        ShopConfig(
            shop_name="大福堂(デモ)",
            liff_apps=LOCAL_LIFF_APPS,
            staff_alerts_enabled=True,
            # The local world follows in bursts (demo seed, tests): alert on each new friend.
            staff_alerts_per_minute=100,
            points_rule=PointsRule(points_per_visit=10),
            ranks=DEMO_RANKS,
            rank_up_message="{name}さま、{rank}会員になりました!いつもご来店ありがとうございます。",
        )
    )
    for template in DEMO_COUPON_TEMPLATES:
        table.coupons.save_template(template)
    line = line_clients(
        simulator.config.channel_access_token, LineEndpoints(simulator.base_url, simulator.base_url)
    )
    setup = ShopSetup(line=line, table=table, report=SetupReport(dry_run=False, emit=log.debug))
    setup.configure_rich_menus(table.shop_config.load_shop_config())
    menus = table.shop_config.load_shop_config().rich_menus
    owner = simulator.create_user("店長(オーナー)")
    table.staff.add_staff(owner.user_id, "owner")
    simulator.follow(owner.user_id)
    simulator.console_links = {"liffSite": liff_site_url, "liffPages": LIFF_PAGES}
    for name in DEMO_FRIENDS:
        simulator.follow(simulator.create_user(name).user_id)
    return {
        "owner": owner.user_id,
        "pre_registration": str(menus.pre_registration),
        "member": str(menus.member),
    }
