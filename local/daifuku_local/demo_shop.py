"""The demo shop the local stack starts with: configuration, rich menus, a few friends and an owner."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import boto3

from daifuku.adapters.member_table import MemberTable
from daifuku.adapters.staff_table import StaffTable
from daifuku.models.shop import LiffApps, PointsRule, Rank, RichMenus, ShopConfig
from daifuku.models.staff import CouponTemplateRecord
from daifuku_local.aws_resources import REGION
from daifuku_local.line_platform import LineSimulator
from daifuku_local.line_platform.images import solid_png

LOCAL_LIFF_APPS = LiffApps(card="local-card", registration="local-register", staff="local-staff")
LIFF_PAGES = {"local-card": "card.html", "local-register": "register.html", "local-staff": "staff.html"}
DEMO_FRIENDS = ("佐藤さくら", "鈴木健太", "高橋みどり")
MENU_SIZE = {"width": 2500, "height": 843}
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


def _area(x: int, width: int, action: dict[str, Any]) -> dict[str, Any]:
    return {"bounds": {"x": x, "y": 0, "width": width, "height": MENU_SIZE["height"]}, "action": action}


def rich_menu_definitions() -> dict[str, dict[str, Any]]:
    """The pre-registration and member rich menus, as `daifuku setup` creates them on LINE."""
    shop_info = {
        "type": "postback",
        "label": "お店の情報",
        "data": "action=shop_info",
        "displayText": "お店の情報",
    }
    return {
        "pre_registration": {
            "size": MENU_SIZE,
            "selected": True,
            "name": "会員登録メニュー",
            "chatBarText": "メニュー",
            "areas": [
                _area(
                    0,
                    1250,
                    {"type": "uri", "label": "会員登録", "uri": "https://liff.line.me/local-register"},
                ),
                _area(1250, 1250, shop_info),
            ],
        },
        "member": {
            "size": MENU_SIZE,
            "selected": True,
            "name": "会員メニュー",
            "chatBarText": "会員証",
            "areas": [
                _area(0, 834, {"type": "uri", "label": "会員証", "uri": "https://liff.line.me/local-card"}),
                _area(834, 833, {"type": "postback", "label": "クーポン", "data": "action=coupons"}),
                _area(1667, 833, shop_info),
            ],
        },
    }


class _LineAdmin:
    """The few Messaging API calls the demo setup makes, over HTTP as any client would."""

    def __init__(self, base_url: str, access_token: str):
        self._base_url = base_url
        self._token = access_token

    def call(self, path: str, body: Any = None, content_type: str = "application/json") -> dict[str, Any]:
        data = body if isinstance(body, bytes) else (json.dumps(body).encode() if body is not None else b"")
        request = urllib.request.Request(self._base_url + path, data=data, method="POST")
        request.add_header("Authorization", f"Bearer {self._token}")
        request.add_header("Content-Type", content_type)
        with urllib.request.urlopen(request, timeout=10) as response:
            payload = response.read()
        return json.loads(payload) if payload else {}


def seed_demo_shop(
    simulator: LineSimulator, aws_endpoint: str, table_name: str, liff_site_url: str
) -> dict[str, str]:
    """Configure the shop, create its rich menus and owner, and have the demo friends follow it."""
    admin = _LineAdmin(simulator.base_url, simulator.config.channel_access_token)
    menu_ids: dict[str, str] = {}
    colours = {"pre_registration": (47, 107, 79), "member": (176, 120, 48)}
    for name, definition in rich_menu_definitions().items():
        menu_id = admin.call("/v2/bot/richmenu", definition)["richMenuId"]
        admin.call(f"/v2/bot/richmenu/{menu_id}/content", solid_png(2500, 843, colours[name]), "image/png")
        menu_ids[name] = menu_id
    admin.call(f"/v2/bot/user/all/richmenu/{menu_ids['pre_registration']}")

    resource = boto3.resource(
        "dynamodb",
        endpoint_url=aws_endpoint,
        region_name=REGION,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    table = MemberTable(table_name, resource)
    table.save_shop_config(
        ShopConfig(
            shop_name="大福堂(デモ)",
            liff_apps=LOCAL_LIFF_APPS,
            rich_menus=RichMenus(pre_registration=menu_ids["pre_registration"], member=menu_ids["member"]),
            staff_alerts_enabled=True,
            # The local world follows in bursts (demo seed, tests): alert on each new friend.
            staff_alerts_per_minute=100,
            points_rule=PointsRule(points_per_visit=10),
            ranks=DEMO_RANKS,
            rank_up_message="{name}さま、{rank}会員になりました!いつもご来店ありがとうございます。",
        )
    )
    staff_records = StaffTable(table_name, resource)
    for template in DEMO_COUPON_TEMPLATES:
        staff_records.save_template(template)
    owner = simulator.create_user("店長(オーナー)")
    table.add_staff(owner.user_id, "owner")
    simulator.follow(owner.user_id)
    simulator.console_links = {"liffSite": liff_site_url, "liffPages": LIFF_PAGES}
    for name in DEMO_FRIENDS:
        simulator.follow(simulator.create_user(name).user_id)
    return {"owner": owner.user_id, **menu_ids}
