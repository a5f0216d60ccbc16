"""The frequency cap in the table: each member's push log (USER#<id> / PUSH_LOG, the last 7 days) and
the shop's messaging rules (SHOP / MESSAGING_RULES)."""

from __future__ import annotations

from datetime import UTC, datetime

from daifuku.adapters.dynamodb.keys import MESSAGING_RULES, push_log_key
from daifuku.adapters.dynamodb.table import TableGateway
from daifuku.domain.frequency_cap import MessagingRules, next_allowed, recent


class FrequencyCapRepository:
    """The cap for one run: the rules are read once (a run is a batch, a request or a schedule)."""

    def __init__(self, gateway: TableGateway):
        self._gateway = gateway
        self._rules: MessagingRules | None = None

    def rules(self) -> MessagingRules:
        if self._rules is None:
            item = self._gateway.get(MESSAGING_RULES.key(), consistent=False) or {}
            fields = {name: item[name] for name in ("quiet_hours", "frequency_cap") if name in item}
            self._rules = MessagingRules.model_validate(fields)
        return self._rules

    def save_rules(self, rules: MessagingRules) -> None:
        self._gateway.update(
            MESSAGING_RULES.key(),
            "SET quiet_hours = :quiet, frequency_cap = :cap",
            values={":quiet": rules.quiet_hours.model_dump(), ":cap": rules.frequency_cap.model_dump()},
        )
        self._rules = rules

    @property
    def limit(self) -> int | None:
        return self.rules().frequency_cap.max_pushes_per_7_days

    def pushes(self, user_id: str) -> list[datetime]:
        item = self._gateway.get(push_log_key(user_id)) or {}
        return [datetime.fromisoformat(at) for at in item.get("pushed_at", [])]

    def next_allowed(self, user_id: str, now: datetime) -> datetime | None:
        if self.limit is None:
            return None
        return next_allowed(self.pushes(user_id), self.limit, now)

    def capped(self, campaign_id: str, user_ids: list[str], now: datetime) -> set[str]:
        """Those of `user_ids` a campaign may not push to now (one batch read of their logs)."""
        limit = self.limit
        if limit is None or not user_ids or not self.rules().frequency_cap.applies_to_campaign(campaign_id):
            return set()
        logs = self._gateway.batch_get([push_log_key(user_id) for user_id in user_ids])
        return {
            str(item["pk"]).removeprefix("USER#")
            for item in logs
            if next_allowed([datetime.fromisoformat(a) for a in item.get("pushed_at", [])], limit, now)
        }

    def rank_up_allowed(self, user_id: str, now: datetime) -> bool:
        """Whether a rank-up message may go now: the cap is off, rank-ups are exempt, or it fits."""
        rule = self.rules().frequency_cap
        if rule.max_pushes_per_7_days is None or rule.exempt_rank_up:
            return True
        return self.next_allowed(user_id, now) is None

    def count_pushes(self, user_ids: list[str], at: datetime) -> None:
        for user_id in user_ids:
            self.count_push(user_id, at)

    def count_push(self, user_id: str, at: datetime) -> None:
        """Add a push to the member's log, keeping only the last 7 days (nothing when the cap is off)."""
        if self.limit is None:
            return
        kept = [*recent(self.pushes(user_id), at), at]
        self._gateway.put(
            {**push_log_key(user_id), "pushed_at": [when.astimezone(UTC).isoformat() for when in kept]}
        )
