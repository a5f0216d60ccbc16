"""How every kind of item is keyed in the single DynamoDB table (see daifuku.table_schema for the
indexes). The repositories build keys here, and the operator's export reads its key patterns from
here (`KeyPattern.pk` / `.sk`), so the two cannot disagree.

| item | pk | sk |
| --- | --- | --- |
| a LINE user (friend/member) | USER#<userId> | MEMBER |
| a tag on a user | USER#<userId> | TAG#<tag> |
| a message (before conversations) | USER#<userId> | INTERACTION#<at ISO UTC>#<webhookEventId> |
| new-friend alerts sent in one minute (TTL) | STAFF_ALERTS#<minute> | COUNT |
| a member number's owner (uniqueness) | MEMBER_NO#<number> | MEMBER_NO |
| the member-number counter | COUNTER#member_no | COUNTER |
| a processed webhook event (TTL) | WEBHOOK_EVENT#<webhookEventId> | WEBHOOK_EVENT |
| the shop's configuration | SHOP | CONFIG |
| a coupon a member holds | USER#<userId> | COUPON#<couponId> |
| an imported pre-Daifuku member, until claimed | LEGACY_PHONE#<phone> | LEGACY#<number> |
| a staff member (role, who added them and when, their LINE name then) | STAFF | <userId> |
| a staff invitation (role, inviter, valid until, used by; TTL) | INVITATION#<invitationId> | INVITATION |
| a visit recorded at the counter | USER#<userId> | VISIT#<visitedAt ISO UTC>#<visitId> |
| a points ledger entry (delta, kind, reason, by) | USER#<userId> | POINTS#<entryId> |
| a staff memo (kind, text, by) | USER#<userId> | MEMO#<at ISO UTC>#<memoId> |
| a coupon template (title, texts, image, valid days, points cost) | COUPON_TEMPLATE | <templateId> |
| a staff issue of a coupon (request fingerprint, count given; TTL) | COUPON_ISSUE#<issueId> | ISSUE |
| one staff action (actor, action, target user id, detail) | AUDIT | <at ISO UTC>#<id> |
| a day's counts (friends_added, blocks, registrations) | STATS#DAY | <YYYY-MM-DD, shop time> |
| the running totals (friends, members, blocked) | STATS | TOTALS |
| a campaign, with its progress counters | CAMPAIGN#<id> | CAMPAIGN |
| one planned batch (who is in it) | CAMPAIGN#<id> | BATCH#<n> |
| what happened to one recipient | CAMPAIGN#<id> | SEND#<userId> |
| the campaigns by start time (recent campaigns, block attribution) | CAMPAIGN_LOG | <startedAt>#<id> |
| a partner API key (name, scopes, SHA-256 of the key, created, last used, revoked) | API_KEY | <keyId> |
| a partner API key's calls in one minute (TTL) | API_RATE#<keyId> | <minute number> |
| a POS receipt that earned points (member, amount, store, key, API or QR) | RECEIPT#<receiptId> | RECEIPT |
| the webhook forwarding (URL, silent switch) | CONNECT | FORWARDING |
| an outgoing-event endpoint (URL, events, scope, signing secret) | CONNECT | ENDPOINT#<endpointId> |
| one delivery attempt to an endpoint or the forwarding (TTL) | CONNECT_LOG#<target> | <at ISO UTC>#<id> |
| a scenario (trigger, steps, stop and re-entry rules, status, version) | SCENARIO | <scenarioId> |
| a member's way through a scenario (entry, next step, due, why stopped) | SCENARIO#<id> | ENROL#<userId> |
| a scenario's result counters (enrolled, finished, stopped by each condition) | SCENARIO#<id> | RESULTS |
| a step's counters (sent, skipped, capped, failed, blocks) | SCENARIO#<id> | RESULTS#<stepId> |
| a scenario step due (UTC day, shard) | SCENARIO_DUE#<day>#<shard> | <due>#<scenarioId>#<userId>#<entry> |
| how far the scenario schedule has taken due steps | SCENARIO_SCHEDULE | CURSOR |
| the shop's send rules (quiet hours, frequency cap) and the quota-wait note | SHOP | MESSAGING_RULES |
| a member's pushes of the last 7 days (the frequency cap) | USER#<userId> | PUSH_LOG |
| a conversation's summary (latest message, unread, needs reply) | USER#<userId> | CONVERSATION |
| a message, either way (TTL: retention) | USER#<userId> | MSG#<at ISO UTC>#<eventId or out-id> |
| the day's out-of-hours reply (TTL) | USER#<userId> | OUT_OF_HOURS#<YYYY-MM-DD, shop time> |
| an auto-reply rule | AUTO_REPLY | RULE#<ruleId> |
| the conversations' settings (out-of-hours, retention) | AUTO_REPLY | SETTINGS |
| a saved reply (定型文) | SAVED_REPLY | <savedReplyId> |
| a staff member's new-message alerts subscription | INBOX_ALERTS | <userId> |
| new-message alerts sent in one minute (TTL) | INBOX_ALERTS#<minute> | COUNT |
| an A/B test's recipients held for its winner (up to 500) | CAMPAIGN#<id> | HOLDOUT#<n> |
| a tracked link (URL, source, click tag) | LINK#<linkId> | LINK |
| one recipient's first click on a tracked link | LINK#<linkId> | CLICK#<userId> |
| an inflow route (name, entry actions) | ROUTES | <routeId> |
| an inflow route's name (uniqueness) | ROUTE_NAME#<name> | ROUTE_NAME |
| a route's figures on one shop day (opens, new friends, …) | ROUTE_DAY#<routeId> | <YYYY-MM-DD> |
| a user who entered through a route (first entry, entries) | ROUTE_VISITOR#<routeId> | <userId> |
| one entry of a user through a route | USER#<userId> | ROUTE_ENTRY#<at ISO UTC>#<routeId> |

Points: the member item's `points` is the sum of its POINTS# entries, kept by an ADD in the same
transaction as each entry. Coupons (COUPON#) carry `expires_on`, so the coupon_expiry_index finds the
coupons whose last day is a given date (the expiry reminder); the entry kinds of ledger ids are
`visit-<visitId>`, `adjust-<clientEntryId>`, `exchange-<exchangeId>`. Coupon ids: `welcome`,
`campaign-<campaignId>`, `<templateId>-<issueId>` (issued by staff), `poster-<templateId>` (claimed
from the counter poster, once per member), `<templateId>-x<exchangeId>` (bought with points).

A new kind of item: add its `KeyPattern` and key function here, a row to the table above, and its
`ItemKind` to the operator's export format (the export test fails until it is there).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import NamedTuple

Key = dict[str, str]


class KeyPattern(NamedTuple):
    """An item kind's key, with `{field}` placeholders (the export's key patterns use the same)."""

    pk: str
    sk: str

    def key(self, **fields: str) -> Key:
        return {"pk": self.pk.format(**fields), "sk": self.sk.format(**fields)}

    def sk_prefix(self) -> str:
        """The fixed start of the sort key (`COUPON#`), for begins_with queries."""
        return self.sk.partition("{")[0]


USER_PARTITION = "USER#{user_id}"
CAMPAIGN_PARTITION = "CAMPAIGN#{campaign_id}"

MEMBER = KeyPattern(USER_PARTITION, "MEMBER")
TAG = KeyPattern(USER_PARTITION, "TAG#{tag}")
# Messages before conversations (MESSAGE below took their place): still read by the export.
INTERACTION = KeyPattern(USER_PARTITION, "INTERACTION#{at}#{webhook_event_id}")
COUPON = KeyPattern(USER_PARTITION, "COUPON#{coupon_id}")
VISIT = KeyPattern(USER_PARTITION, "VISIT#{visited_key}#{visit_id}")
LEDGER_ENTRY = KeyPattern(USER_PARTITION, "POINTS#{entry_id}")
MEMO = KeyPattern(USER_PARTITION, "MEMO#{memo_key}#{memo_id}")
STAFF_ALERTS = KeyPattern("STAFF_ALERTS#{minute}", "COUNT")
MEMBER_NUMBER = KeyPattern("MEMBER_NO#{member_no}", "MEMBER_NO")
MEMBER_NUMBER_COUNTER = KeyPattern("COUNTER#member_no", "COUNTER")
WEBHOOK_EVENT = KeyPattern("WEBHOOK_EVENT#{webhook_event_id}", "WEBHOOK_EVENT")
SHOP = KeyPattern("SHOP", "CONFIG")
LEGACY_MEMBER = KeyPattern("LEGACY_PHONE#{phone}", "LEGACY#{member_no}")
STAFF = KeyPattern("STAFF", "{user_id}")
INVITATION = KeyPattern("INVITATION#{invitation_id}", "INVITATION")
COUPON_TEMPLATE = KeyPattern("COUPON_TEMPLATE", "{template_id}")
COUPON_ISSUE = KeyPattern("COUPON_ISSUE#{issue_id}", "ISSUE")
AUDIT = KeyPattern("AUDIT", "{audit_key}#{audit_id}")
DAILY_STATS = KeyPattern("STATS#DAY", "{day}")
TOTALS = KeyPattern("STATS", "TOTALS")
CAMPAIGN = KeyPattern(CAMPAIGN_PARTITION, "CAMPAIGN")
CAMPAIGN_BATCH = KeyPattern(CAMPAIGN_PARTITION, "BATCH#{batch_no}")
CAMPAIGN_SEND = KeyPattern(CAMPAIGN_PARTITION, "SEND#{user_id}")
CAMPAIGN_LOG = KeyPattern("CAMPAIGN_LOG", "{started_at}#{campaign_id}")
API_KEY = KeyPattern("API_KEY", "{key_id}")
API_RATE_WINDOW = KeyPattern("API_RATE#{key_id}", "{window}")
RECEIPT = KeyPattern("RECEIPT#{receipt_id}", "RECEIPT")
# Connect: the forwarding and the endpoints share a partition, so one Query reads them all.
CONNECT_FORWARDING = KeyPattern("CONNECT", "FORWARDING")
EVENT_ENDPOINT = KeyPattern("CONNECT", "ENDPOINT#{endpoint_id}")
DELIVERY_ATTEMPT = KeyPattern("CONNECT_LOG#{target}", "{at}#{attempt_id}")

SCENARIO = KeyPattern("SCENARIO", "{scenario_id}")
SCENARIO_ENROLMENT = KeyPattern("SCENARIO#{scenario_id}", "ENROL#{user_id}")
SCENARIO_RESULTS = KeyPattern("SCENARIO#{scenario_id}", "RESULTS")
SCENARIO_STEP_RESULTS = KeyPattern("SCENARIO#{scenario_id}", "RESULTS#{step_id}")
SCENARIO_DUE = KeyPattern("SCENARIO_DUE#{day}#{shard}", "{due}#{scenario_id}#{user_id}#{entry}")
SCENARIO_SCHEDULE_CURSOR = KeyPattern("SCENARIO_SCHEDULE", "CURSOR")
MESSAGING_RULES = KeyPattern("SHOP", "MESSAGING_RULES")
PUSH_LOG = KeyPattern(USER_PARTITION, "PUSH_LOG")
# Conversations (the inbox and the auto-replies): the summary and the messages sit in the user's
# partition, so a customer's deletion takes them with everything else; `message_key` is the webhook
# event id (incoming: a redelivery writes the same item) or `out-<id>` (sent by Daifuku).
CONVERSATION = KeyPattern(USER_PARTITION, "CONVERSATION")
MESSAGE = KeyPattern(USER_PARTITION, "MSG#{at}#{message_key}")
OUT_OF_HOURS_SENT = KeyPattern(USER_PARTITION, "OUT_OF_HOURS#{day}")
AUTO_REPLY_RULE = KeyPattern("AUTO_REPLY", "RULE#{rule_id}")
CONVERSATION_SETTINGS = KeyPattern("AUTO_REPLY", "SETTINGS")
SAVED_REPLY = KeyPattern("SAVED_REPLY", "{saved_reply_id}")
INBOX_ALERT_SUBSCRIBER = KeyPattern("INBOX_ALERTS", "{user_id}")
INBOX_ALERTS_SENT = KeyPattern("INBOX_ALERTS#{minute}", "COUNT")
CAMPAIGN_HOLDOUT = KeyPattern(CAMPAIGN_PARTITION, "HOLDOUT#{chunk}")
HOLDOUT_SK_PREFIX = CAMPAIGN_HOLDOUT.sk_prefix()
# Tracked links (domain/tracked_links.py)
TRACKED_LINK = KeyPattern("LINK#{link_id}", "LINK")
LINK_CLICK = KeyPattern("LINK#{link_id}", "CLICK#{user_id}")
# Inflow routes (domain/inflow_routes.py); the member item keeps first_route and latest_route
ROUTE = KeyPattern("ROUTES", "{route_id}")
ROUTE_NAME = KeyPattern("ROUTE_NAME#{name}", "ROUTE_NAME")
ROUTE_DAY = KeyPattern("ROUTE_DAY#{route_id}", "{day}")
ROUTE_VISITOR = KeyPattern("ROUTE_VISITOR#{route_id}", "{user_id}")
ROUTE_ENTRY = KeyPattern(USER_PARTITION, "ROUTE_ENTRY#{at}#{route_id}")

MEMBER_SK = MEMBER.sk
MEMBER_NO_SK = MEMBER_NUMBER.sk
SHOP_KEY = SHOP.key()
MEMBER_NUMBER_COUNTER_KEY = MEMBER_NUMBER_COUNTER.key()
TOTALS_KEY = TOTALS.key()
# The member-number counter holds `last_sequence`: the sequence of the last number issued. An
# operator import of legacy numbers writes their MEMBER_NO# items (status "imported", no user) and
# raises `last_sequence` above the highest imported sequence, so the counter never issues one.
MEMBER_NUMBER_COUNTER_ATTRIBUTE = "last_sequence"
# ...and `reservations`: user id → sequence, for each number reserved and not yet completed.
MEMBER_NUMBER_RESERVATIONS_ATTRIBUTE = "reservations"
# ...and `spares`: sequences reserved by a user who already held a number, reserved again first.
MEMBER_NUMBER_SPARES_ATTRIBUTE = "spare_sequences"
STAFF_PK = STAFF.pk
COUPON_SK_PREFIX = COUPON.sk_prefix()
VISIT_SK_PREFIX = VISIT.sk_prefix()
LEDGER_SK_PREFIX = LEDGER_ENTRY.sk_prefix()
MEMO_SK_PREFIX = MEMO.sk_prefix()
BATCH_SK_PREFIX = CAMPAIGN_BATCH.sk_prefix()
SEND_SK_PREFIX = CAMPAIGN_SEND.sk_prefix()
COUPON_TEMPLATE_PK = COUPON_TEMPLATE.pk
AUDIT_PK = AUDIT.pk
DAILY_STATS_PK = DAILY_STATS.pk
CAMPAIGN_LOG_PK = CAMPAIGN_LOG.pk
API_KEY_PK = API_KEY.pk
MESSAGE_SK_PREFIX = MESSAGE.sk_prefix()
AUTO_REPLY_PK = AUTO_REPLY_RULE.pk
AUTO_REPLY_RULE_SK_PREFIX = AUTO_REPLY_RULE.sk_prefix()
SAVED_REPLY_PK = SAVED_REPLY.pk
INBOX_ALERTS_PK = INBOX_ALERT_SUBSCRIBER.pk
# The dashboard's counters; anything else is refused (a typo would otherwise count into nowhere).
DAILY_COUNTERS = frozenset({"friends_added", "blocks", "registrations"})
TOTAL_COUNTERS = frozenset({"friends", "members", "blocked"})


def utc(at: datetime) -> str:
    """How times are written in keys and attributes: ISO 8601 in UTC."""
    return at.astimezone(UTC).isoformat()


def user_partition(user_id: str) -> str:
    """The partition holding everything about one LINE user (member item, tags, coupons, messages)."""
    return USER_PARTITION.format(user_id=user_id)


def campaign_partition(campaign_id: str) -> str:
    return CAMPAIGN_PARTITION.format(campaign_id=campaign_id)


def legacy_phone_partition(phone: str) -> str:
    return LEGACY_MEMBER.pk.format(phone=phone)


def member_key(user_id: str) -> Key:
    return MEMBER.key(user_id=user_id)


def tag_key(user_id: str, tag: str) -> Key:
    return TAG.key(user_id=user_id, tag=tag)


def member_number_key(member_no: str) -> Key:
    return MEMBER_NUMBER.key(member_no=member_no)


def webhook_event_key(webhook_event_id: str) -> Key:
    return WEBHOOK_EVENT.key(webhook_event_id=webhook_event_id)


def staff_alerts_key(minute: str) -> Key:
    return STAFF_ALERTS.key(minute=minute)


def coupon_key(user_id: str, coupon_id: str) -> Key:
    return COUPON.key(user_id=user_id, coupon_id=coupon_id)


def legacy_member_key(phone: str, member_no: str) -> Key:
    return LEGACY_MEMBER.key(phone=phone, member_no=member_no)


def staff_key(user_id: str) -> Key:
    return STAFF.key(user_id=user_id)


def invitation_key(invitation_id: str) -> Key:
    return INVITATION.key(invitation_id=invitation_id)


def visit_key(user_id: str, visited_at: datetime, visit_id: str) -> Key:
    return VISIT.key(user_id=user_id, visited_key=utc(visited_at), visit_id=visit_id)


def ledger_entry_key(user_id: str, entry_id: str) -> Key:
    return LEDGER_ENTRY.key(user_id=user_id, entry_id=entry_id)


def memo_key(user_id: str, at: datetime, memo_id: str) -> Key:
    return MEMO.key(user_id=user_id, memo_key=utc(at), memo_id=memo_id)


def coupon_template_key(template_id: str) -> Key:
    return COUPON_TEMPLATE.key(template_id=template_id)


def coupon_issue_key(issue_id: str) -> Key:
    return COUPON_ISSUE.key(issue_id=issue_id)


def audit_key(at: datetime, entry_id: str) -> Key:
    return AUDIT.key(audit_key=utc(at), audit_id=entry_id)


def daily_stats_key(day: date) -> Key:
    return DAILY_STATS.key(day=day.isoformat())


def campaign_key(campaign_id: str) -> Key:
    return CAMPAIGN.key(campaign_id=campaign_id)


def batch_key(campaign_id: str, batch_no: int) -> Key:
    return CAMPAIGN_BATCH.key(campaign_id=campaign_id, batch_no=f"{batch_no:06d}")


def send_key(campaign_id: str, user_id: str) -> Key:
    return CAMPAIGN_SEND.key(campaign_id=campaign_id, user_id=user_id)


def campaign_log_key(started_at: datetime, campaign_id: str) -> Key:
    return CAMPAIGN_LOG.key(started_at=utc(started_at), campaign_id=campaign_id)


def api_key_key(key_id: str) -> Key:
    return API_KEY.key(key_id=key_id)


def api_rate_window_key(key_id: str, window: int) -> Key:
    return API_RATE_WINDOW.key(key_id=key_id, window=str(window))


def receipt_key(receipt_id: str) -> Key:
    return RECEIPT.key(receipt_id=receipt_id)


def scenario_key(scenario_id: str) -> Key:
    return SCENARIO.key(scenario_id=scenario_id)


def scenario_enrolment_key(scenario_id: str, user_id: str) -> Key:
    return SCENARIO_ENROLMENT.key(scenario_id=scenario_id, user_id=user_id)


def scenario_results_key(scenario_id: str) -> Key:
    return SCENARIO_RESULTS.key(scenario_id=scenario_id)


def scenario_step_results_key(scenario_id: str, step_id: str) -> Key:
    return SCENARIO_STEP_RESULTS.key(scenario_id=scenario_id, step_id=step_id)


def scenario_due_partition(day: date, shard: int) -> str:
    return SCENARIO_DUE.pk.format(day=day.isoformat(), shard=shard)


def sortable_utc(at: datetime) -> str:
    """A time that sorts as text (fixed width, UTC): the due items' sort keys."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def scenario_due_key(due: datetime, shard: int, scenario_id: str, user_id: str, entry: int) -> Key:
    return SCENARIO_DUE.key(
        day=due.astimezone(UTC).date().isoformat(),
        shard=str(shard),
        due=sortable_utc(due),
        scenario_id=scenario_id,
        user_id=user_id,
        entry=str(entry),
    )


def push_log_key(user_id: str) -> Key:
    return PUSH_LOG.key(user_id=user_id)


def conversation_key(user_id: str) -> Key:
    return CONVERSATION.key(user_id=user_id)


def message_key(user_id: str, at: datetime, message_key: str) -> Key:
    return MESSAGE.key(user_id=user_id, at=utc(at), message_key=message_key)


def out_of_hours_key(user_id: str, day: date) -> Key:
    return OUT_OF_HOURS_SENT.key(user_id=user_id, day=day.isoformat())


def auto_reply_rule_key(rule_id: str) -> Key:
    return AUTO_REPLY_RULE.key(rule_id=rule_id)


def saved_reply_key(saved_reply_id: str) -> Key:
    return SAVED_REPLY.key(saved_reply_id=saved_reply_id)


def inbox_alert_subscriber_key(user_id: str) -> Key:
    return INBOX_ALERT_SUBSCRIBER.key(user_id=user_id)


def inbox_alerts_sent_key(minute: str) -> Key:
    return INBOX_ALERTS_SENT.key(minute=minute)


def tracked_link_key(link_id: str) -> Key:
    return TRACKED_LINK.key(link_id=link_id)


def link_click_key(link_id: str, user_id: str) -> Key:
    return LINK_CLICK.key(link_id=link_id, user_id=user_id)


def route_key(route_id: str) -> Key:
    return ROUTE.key(route_id=route_id)


def route_name_key(name: str) -> Key:
    return ROUTE_NAME.key(name=name)


def route_day_key(route_id: str, day: date) -> Key:
    return ROUTE_DAY.key(route_id=route_id, day=day.isoformat())


def route_visitor_key(route_id: str, user_id: str) -> Key:
    return ROUTE_VISITOR.key(route_id=route_id, user_id=user_id)


def route_entry_key(user_id: str, at: datetime, route_id: str) -> Key:
    return ROUTE_ENTRY.key(user_id=user_id, at=utc(at), route_id=route_id)


def holdout_key(campaign_id: str, chunk: int) -> Key:
    return CAMPAIGN_HOLDOUT.key(campaign_id=campaign_id, chunk=f"{chunk:06d}")
