"""Every model of what crosses a boundary into Daifuku, each with a valid example as its sender writes it.

tests/unit/test_boundary_types.py finds every request model (extra="forbid") in daifuku.models and
daifuku.domain and fails for one missing here, so a new request model gets its refusal and
property-based tests without anyone writing them.
"""

from __future__ import annotations

import importlib
import pkgutil
from datetime import date
from typing import Any

from pydantic import BaseModel

import daifuku.domain
import daifuku.models
from daifuku.domain.campaign_desk import CampaignRequest
from daifuku.domain.campaigns import AbTest, Campaign, FlexContent, ImageContent, SendBatch, TextContent
from daifuku.domain.frequency_cap import FrequencyCapRule, MessagingRules
from daifuku.domain.inflow_routes import EntryRequest, RouteRequest
from daifuku.domain.scenario_desk import ScenarioCreateRequest, ScenarioEditRequest, ScenarioEnrolRequest
from daifuku.domain.scenarios import (
    QuietHours,
    Reentry,
    Scenario,
    ScenarioStep,
    StepDelay,
    StopConditions,
    Trigger,
)
from daifuku.domain.segments import Segment
from daifuku.models.connect import EventEndpointRequest, ForwardingRequest
from daifuku.models.conversations import (
    AlertsRequest,
    AutoReplyRuleRequest,
    ConversationSettingsRequest,
    InboxQuery,
    InboxReplyRequest,
    OutOfHours,
    SavedReplyRequest,
    TestMatchRequest,
)
from daifuku.models.custom_rich_menus import CustomMenuArea, CustomRichMenuRequest
from daifuku.models.partner_api import (
    ApiKeyRequest,
    LookupRequest,
    PartnerVisitRequest,
    PurchaseRequest,
    ReceiptClaimRequest,
    ReceiptCodeRequest,
)
from daifuku.models.registration import RegistrationForm
from daifuku.models.schedule_events import BirthMonthCatchUpTrigger, BirthMonthTrigger, CampaignStartTrigger
from daifuku.models.shop import (
    CouponTemplate,
    CustomDateField,
    CustomTextField,
    FieldUse,
    RegistrationFormConfig,
    StoreChoice,
)
from daifuku.models.shop_settings import (
    AlertsSection,
    CouponRequest,
    CustomDateRequest,
    CustomTextRequest,
    FormSection,
    MessagesSection,
    NumberFormatRequest,
    PointsSection,
    PosterSection,
    RankRequest,
    ShopInfoRequest,
    ShopSection,
    StoreRequest,
)
from daifuku.models.staff import (
    AuditQuery,
    BulkFlagRequest,
    ClaimRequest,
    CouponTemplateRequest,
    DashboardQuery,
    ExchangeRequest,
    FlagsRequest,
    IssueRequest,
    MemberSearchQuery,
    MemoRequest,
    PointsAdjustmentRequest,
    ScanRequest,
    SegmentEstimateRequest,
    TagsRequest,
    VisitRequest,
)
from daifuku.models.staff_team import AcceptInvitationRequest, InvitationRequest, RoleChangeRequest
from daifuku.models.webhook_events import (
    EventSource,
    FollowEvent,
    MessageEvent,
    OtherEvent,
    PostbackEvent,
    UnfollowEvent,
    WebhookRequest,
)

TODAY = date(2025, 6, 15)
SHOP_INFO = {
    "hours": "10:00〜18:00",
    "closed_days": "水曜日",
    "address": "東京都中央区銀座1-2-3",
    "phone": "03-1234-5678",
    "map_url": "https://maps.example.com/daifuku",
    "free_text": "駐車場はございません。",
}
USER = "U" + "0123456789abcdef" * 2
SEGMENT = {
    "birth_month": 5,
    "tags_any": ["常連さん", "VIP"],
    "tags_all": ["vip"],
    "store_id": "ginza",
    "registered": True,
    "last_visit_before": "2025-06-01",
    "last_visit_after": "2024-06-01",
    "no_visit_for_days": 30,
    "registered_after": "2025-01-01T00:00:00+09:00",
    "registered_until": "2025-06-01T00:00:00Z",
    "first_followed_from": "2024-01-01",
    "first_followed_until": "2025-06-01",
    "ranks": ["シルバー"],
    "points_min": 0,
    "points_max": 1000,
    "custom_field_equals": {"custom_text_1": "苺大福"},
}
TEXT_MESSAGE = {"type": "text", "text": "{name}さま\n新作のご案内です。"}
IMAGE_MESSAGE = {
    "type": "image",
    "original_content_url": "https://example.com/new.png",
    "preview_image_url": "https://example.com/new-preview.png",
}
FLEX_MESSAGE = {
    "type": "flex",
    "alt_text": "新作のご案内",
    "contents": {
        "type": "bubble",
        "body": {
            "type": "box",
            "layout": "vertical",
            "contents": [{"type": "text", "text": "新作", "flex": 1}],
        },
    },
}
SCENARIO_STEP = {
    "step_id": "s1",
    "delay": {"amount": 1, "unit": "days", "after": "previous", "at": "10:00"},
    "messages": [TEXT_MESSAGE, IMAGE_MESSAGE],
    "add_tags": ["初来店フォロー"],
    "remove_tags": [],
    "condition": {"registered": True},
    "end_scenario": False,
}
SCENARIO = {
    "name": "友だち追加後のご案内",
    "trigger": {"kind": "friend_added", "every_time": False},
    "steps": [SCENARIO_STEP],
    "stop": {"tag": "来店済み", "visited": True, "registered": False},
    "reentry": {"mode": "after_finishing", "min_interval_days": 30},
    "exclusive_group": "新規",
    "pause_skip_after_hours": 24,
}
COUPON = {"title": "新作100円引き", "description": "お会計から\n100円引き", "valid_days": 14}
LINE_EVENT = {
    "timestamp": 1_750_000_000_000,
    "webhookEventId": "01JXYZABCDEFGHJKMNPQRSTVWX",
    "deliveryContext": {"isRedelivery": False},
    "mode": "active",
    "source": {"type": "user", "userId": USER},
    "replyToken": "nHuyWiB7yP5Zw52FIkcQobQuGDXCTA",
}
MESSAGE = {"id": "468789577898262530", "type": "text", "text": "こんにちは\n予約できますか?"}
POSTBACK = {"data": "action=card", "params": {"date": "2025-06-15"}}

# The model, and a body its sender could send.
EXAMPLES: dict[type[BaseModel], dict[str, Any]] = {
    RegistrationForm: {
        "name": "山田 花子",
        "name_kana": "やまだ はなこ",
        "birthdate": "1990-05-01",
        "phone": "０９０－１２３４－５６７８",
        "store_id": "ginza",
        "gender": "female",
        "email": "hanako@example.jp",
        "custom_text_1": "苺大福",
        "custom_date_1": "2015-10-10",
    },
    ScanRequest: {"token": "DC1.eyJtIjoiMDAwMDAxIn0.c2lnbmF0dXJl"},
    VisitRequest: {"visit_id": "3f2a9c0e5b7d4e1f", "store_id": "ginza", "amount_yen": 3200},
    PointsAdjustmentRequest: {"delta": -10, "reason": "お詫びとして調整", "entry_id": "e-1"},
    TagsRequest: {"tags": ["常連さん", "VIP", "苺好き"]},
    MemoRequest: {"kind": "call", "text": "お電話あり。\n来週ご来店のご予定。"},
    FlagsRequest: {
        "do_not_send": True,
        "do_not_send_reason": "ご本人のご希望",
        "complaint_hold": False,
        "complaint_hold_reason": None,
    },
    BulkFlagRequest: {"user_ids": [USER], "flag": "do_not_send", "on": True, "reason": "配信停止のご依頼"},
    CouponTemplateRequest: {
        "template_id": "t-spring",
        "title": "100円引き",
        "description": "お会計から\n100円引き",
        "discount_text": "100円引き",
        "image_url": "https://example.com/coupon.png",
        "valid_days": 30,
        "points_cost": 100,
    },
    IssueRequest: {"segment": SEGMENT, "issue_id": "i-1"},
    ClaimRequest: {"code": "DP1.t-spring.20250615.abc"},
    InvitationRequest: {"role": "staff"},
    RoleChangeRequest: {"role": "owner"},
    AcceptInvitationRequest: {"code": "DI1.ABCDEFGHIJKLMNOP.S.1765000000.ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
    ExchangeRequest: {"template_id": "t-spring", "exchange_id": "x-1"},
    SegmentEstimateRequest: {"segment": SEGMENT},
    MemberSearchQuery: {"q": "#常連さん"},
    DashboardQuery: {"days": "30"},
    AuditQuery: {"limit": "50"},
    Segment: SEGMENT,
    CampaignRequest: {
        "campaign_id": "c-spring",
        "name": "春の新作",
        "segment": SEGMENT,
        "messages": [TEXT_MESSAGE, IMAGE_MESSAGE, FLEX_MESSAGE],
        "send_at": "2026-04-01T10:00:00+09:00",
        "allow_partial_send": False,
        "coupon": COUPON,
        "track_links": True,
        "click_tag": "春の新作",
        "click_scenario_id": "s-spring-follow-up",
    },
    TextContent: TEXT_MESSAGE,
    ImageContent: IMAGE_MESSAGE,
    FlexContent: FLEX_MESSAGE,
    CouponTemplate: COUPON,
    StoreChoice: {"id": "ginza", "name": "銀座店"},
    CampaignStartTrigger: {"campaign_id": "birth-month:2026-05"},
    BirthMonthTrigger: {"fired_at": "2026-05-01T00:00:00+09:00"},
    BirthMonthCatchUpTrigger: {"fired_at": "2026-05-02T00:00:00+09:00"},
    WebhookRequest: {"destination": "U" + "d" * 32, "events": [{**LINE_EVENT, "type": "unfollow"}]},
    EventSource: {"type": "user", "userId": USER},
    FollowEvent: {**LINE_EVENT, "type": "follow", "follow": {"isUnblocked": False}},
    UnfollowEvent: {**LINE_EVENT, "type": "unfollow"},
    MessageEvent: {**LINE_EVENT, "type": "message", "message": MESSAGE},
    PostbackEvent: {**LINE_EVENT, "type": "postback", "postback": POSTBACK},
    OtherEvent: {**LINE_EVENT, "type": "beacon"},
    # The owner's 設定 (models/shop_settings.py)
    ShopInfoRequest: SHOP_INFO,
    StoreRequest: {"id": "ginza", "name": "銀座店"},
    ShopSection: {
        "shop_name": "和菓子 大福堂",
        "theme_color": "#8a2be2",
        "logo_url": "https://example.com/logo.png",
        "shop_info": SHOP_INFO,
        "stores": [{"id": "ginza", "name": "銀座店"}, {"name": "新宿店"}],
    },
    RankRequest: {"name": "シルバー", "min_points": 100},
    PointsSection: {
        "points_per_visit": 5,
        "yen_per_point": 100,
        "ranks": [{"name": "ブロンズ", "min_points": 0}, {"name": "シルバー", "min_points": 100}],
        "rank_up_message": "{name}さま、{rank}になりました。",
    },
    CouponRequest: {"title": "お誕生日の粗品", "description": "焼き菓子をひとつ", "valid_days": 30},
    MessagesSection: {
        "new_friend": "{name}さま、友だち追加ありがとうございます。",
        "returning_friend": "おかえりなさい。",
        "returning_member": "会員番号{member_no}の{name}さま、おかえりなさい。",
        "register_button_label": "会員登録",
        "registration_complete": "{name}さま、ご登録ありがとうございます。",
        "birthday": "{name}さま、お誕生月おめでとうございます。",
        "birthday_coupon": {"title": "お誕生日の粗品", "description": "", "valid_days": 30},
    },
    CustomTextRequest: {"label": "好きな和菓子", "use": "optional", "options": ["大福", "羊羹"]},
    CustomDateRequest: {"label": "記念日", "use": "off"},
    NumberFormatRequest: {"prefix": "DF", "digits": 6, "first_number": 1},
    FormSection: {
        "name": "required",
        "birthdate": "required",
        "phone": "required",
        "name_kana": "optional",
        "store": "off",
        "gender": "optional",
        "email": "off",
        "custom_texts": [{"label": "好きな和菓子", "use": "optional", "options": ["大福"]}],
        "custom_dates": [{"label": "記念日", "use": "off"}],
        "registration_mode": "guest_card_first",
        "member_number_format": {"prefix": "", "digits": 6, "first_number": 1},
    },
    PosterSection: {"poster_code_validity": "week"},
    AlertsSection: {"staff_alerts_enabled": True},
    CustomMenuArea: {"action": "link", "label": "ご予約", "url": "https://example.com/reserve"},
    CustomRichMenuRequest: {
        "template": "compact_3",
        "areas": [
            {"action": "card"},
            {"action": "coupons", "label": "クーポン一覧"},
            {"action": "link", "label": "ご予約", "url": "https://example.com/reserve"},
        ],
        # A 1×1 PNG: the model checks the format and the bytes; the painter checks the size.
        "image_base64": (
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC"
        ),
        "keep_image": False,
    },
    # The partner API (/api/v1/) and the owner's key screen
    LookupRequest: {"card_token": "DC1.000001.58000000.ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
    PurchaseRequest: {
        "member_no": "000001",
        "receipt_id": "R-20261206-0001",
        "amount_yen": 1280,
        "store_id": "ginza",
    },
    PartnerVisitRequest: {"member_no": "1", "visit_id": "pos-visit-1"},
    ReceiptCodeRequest: {"receipt_id": "R-20261206-0002", "amount_yen": 3300},
    ApiKeyRequest: {"name": "レジ1", "scopes": ["members:read", "points:write"], "calls_per_minute": 60},
    ReceiptClaimRequest: {"code": "DR1.abcdefghijkl.R-1.1280.ginza.1796000000." + "0" * 32},
    # Connect (設定 → 連携)
    ForwardingRequest: {"url": "https://old-tool.example.com/line/webhook", "silent": True},
    EventEndpointRequest: {
        "name": "レジ連携",
        "url": "https://pos.example.com/daifuku/events",
        "events": ["member.registered", "visit.recorded"],
        "include_personal": False,
    },
    Trigger: SCENARIO["trigger"],
    StepDelay: SCENARIO_STEP["delay"],
    ScenarioStep: SCENARIO_STEP,
    StopConditions: SCENARIO["stop"],
    Reentry: SCENARIO["reentry"],
    QuietHours: {"start": "09:00", "end": "21:00"},
    ScenarioCreateRequest: SCENARIO | {"scenario_id": "s-welcome"},
    ScenarioEditRequest: SCENARIO | {"version": 3},
    ScenarioEnrolRequest: {"segment": SEGMENT},
    FrequencyCapRule: {"max_pushes_per_7_days": 3, "exempt_birthday": True, "exempt_rank_up": False},
    MessagingRules: {
        "quiet_hours": {"start": "09:00", "end": "21:00"},
        "frequency_cap": {"max_pushes_per_7_days": 3, "exempt_birthday": True, "exempt_rank_up": False},
    },
    # Conversations (models/conversations.py)
    AutoReplyRuleRequest: {
        "name": "営業時間",
        "match": "contains",
        "keywords": ["営業時間", "何時まで"],
        "priority": 10,
        "answer": "text",
        "text": "{name}さま、営業時間は10時から19時です。",
        "add_tag": "問い合わせ",
    },
    OutOfHours: {
        "enabled": True,
        "opens": "10:00",
        "closes": "19:00",
        "closed_weekdays": [2],
        "message": "営業時間外です。",
    },
    ConversationSettingsRequest: {"out_of_hours": {"enabled": False}, "retention_days": 90},
    TestMatchRequest: {"text": "営業時間を教えてください"},
    SavedReplyRequest: {"title": "お礼", "text": "{name}さま、ありがとうございました。"},
    InboxReplyRequest: {"reply_id": "r-1", "text": "{name}さま、承知いたしました。"},
    InboxQuery: {"filter": "unread", "limit": "30"},
    AlertsRequest: {"new_message_alerts": True},
    # Inflow routes (domain/inflow_routes.py)
    RouteRequest: {
        "name": "店頭ポスター",
        "tag": "ポスター",
        "coupon_template_id": "t-spring",
        "action_timing": "first_time",
    },
    EntryRequest: {"route_id": "r0123456789"},
    AbTest: {
        "variants": [[TEXT_MESSAGE], [IMAGE_MESSAGE]],
        "shares": [50, 50],
        "mode": "winner",
        "test_percent": 20,
        "wait_hours": 24,
        "winner_by": "visit",
    },
}

# Models with extra="forbid" that are not requests: a stored campaign is built from a CampaignRequest,
# a send batch is a queue message Daifuku writes itself.
NOT_REQUESTS = {Campaign, SendBatch, Scenario}

# The registration form whose configuration the RegistrationForm example fits.
SHOP_FORM = RegistrationFormConfig(
    store=FieldUse.OPTIONAL,
    stores=(StoreChoice(id="ginza", name="銀座店"),),
    gender=FieldUse.OPTIONAL,
    email=FieldUse.OPTIONAL,
    custom_texts=(CustomTextField(label="好きな和菓子", use=FieldUse.OPTIONAL),),
    custom_dates=(CustomDateField(label="記念日", use=FieldUse.OPTIONAL),),
)


def validate(model: type[BaseModel], data: Any) -> BaseModel:
    """`model` validated from `data` as its route does it (the registration form needs the shop's today)."""
    return model.model_validate(data, context={"today": TODAY})


def request_models_in_the_code() -> set[type[BaseModel]]:
    """Every model under daifuku.models and daifuku.domain that refuses unknown fields."""
    found: set[type[BaseModel]] = set()
    for package in (daifuku.models, daifuku.domain):
        for module_info in pkgutil.iter_modules(package.__path__, f"{package.__name__}."):
            module = importlib.import_module(module_info.name)
            for value in vars(module).values():
                if (
                    isinstance(value, type)
                    and issubclass(value, BaseModel)
                    and value.__module__ == module.__name__
                    and value.model_config.get("extra") == "forbid"
                    and not value.__subclasses__()
                ):
                    found.add(value)
    return found
