"""A/B tests of a campaign: who gets which variant, who is in the test group, and which variant won.

Assignment is a stable hash of the campaign and the user id, so a retried batch, a re-planned
campaign or the results page all agree without storing anyone's variant. In winner mode the
campaign sends to its test group only (test_percent of the recipients); its follow-up campaign
(`<id>-w`, scheduled wait_hours later) sends the winning variant to the rest, so each recipient
gets exactly one message. Rates carry a 95% Wilson interval; the leader's difference from the
runner-up is "not significant" unless a two-proportion z-test says otherwise (|z| ≥ 1.96).
"""

from __future__ import annotations

import hashlib
import math

from pydantic import BaseModel, ConfigDict

from daifuku.domain.campaigns import AbMode, AbTest, Campaign, WinnerMetric
from daifuku.domain.errors import DomainError
from daifuku.domain.tracked_links import TrackedLink, links_of

BUCKETS = 10_000
MIN_PER_VARIANT = 5  # fewer recipients per variant than this cannot be judged
Z_95 = 1.96
WINNER_SUFFIX = "-w"


class TooFewRecipients(DomainError):
    """The A/B test has fewer recipients per variant than it can judge."""


def _bucket(campaign_id: str, user_id: str, purpose: str) -> int:
    digest = hashlib.sha256(f"{purpose}\n{campaign_id}\n{user_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


def in_test_group(ab: AbTest, campaign_id: str, user_id: str) -> bool:
    return (
        ab.mode is AbMode.SPLIT or _bucket(campaign_id, user_id, "group") < ab.test_percent * BUCKETS // 100
    )


def variant_of(ab: AbTest, campaign_id: str, user_id: str) -> int:
    """The recipient's variant (0-based), by the shares."""
    bucket = _bucket(campaign_id, user_id, "variant")
    edge = 0
    for variant, percent in enumerate(ab.percents()):
        edge += percent * BUCKETS // 100
        if bucket < edge:
            return variant
    return len(ab.variants) - 1


def split_recipients(campaign: Campaign, recipients: list[str]) -> tuple[list[str], list[str]]:
    """(sent now, held for the winner); TooFewRecipients when a variant would get too few."""
    ab = campaign.ab
    if ab is None:
        return recipients, []
    now = [u for u in recipients if in_test_group(ab, campaign.campaign_id, u)]
    held = [u for u in recipients if not in_test_group(ab, campaign.campaign_id, u)]
    per_variant = [0] * len(ab.variants)
    for user_id in now:
        per_variant[variant_of(ab, campaign.campaign_id, user_id)] += 1
    if min(per_variant) < MIN_PER_VARIANT:
        raise TooFewRecipients(
            f"each variant needs at least {MIN_PER_VARIANT} recipients; the split gives {per_variant}"
        )
    return now, held


def variant_link_source(campaign: Campaign, variant: int) -> str:
    """What a variant's tracked links are registered under (clicks are counted per variant)."""
    return f"{campaign.link_source}:v{variant}"


def campaign_links(campaign: Campaign) -> dict[int | None, list[TrackedLink]]:
    """The campaign's tracked links by variant (None: a campaign without an A/B test), each variant's
    under its own source so that clicks count per variant."""
    variants: list[int | None] = [None] if campaign.ab is None else list(range(len(campaign.ab.variants)))
    return {
        n: links_of(
            campaign.link_source if n is None else variant_link_source(campaign, n),
            campaign.line_messages(None, n),
            campaign.click_tag,
            campaign.click_scenario_id,
        )
        for n in variants
    }


def winner_campaign_id(campaign_id: str) -> str:
    return f"{campaign_id}{WINNER_SUFFIX}"


class VariantResult(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    variant: int
    sent: int
    clicked: int | None
    visited: int
    rate: float  # by the test's metric
    low: float  # 95% Wilson interval of the rate
    high: float


class AbResult(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    metric: WinnerMetric
    variants: list[VariantResult]
    leader: int | None
    significant: bool
    winner: int | None = None  # set once the winner was sent to the rest


def wilson(successes: int, trials: int) -> tuple[float, float]:
    if trials == 0:
        return 0.0, 0.0
    p = successes / trials
    denominator = 1 + Z_95**2 / trials
    centre = (p + Z_95**2 / (2 * trials)) / denominator
    half = Z_95 * math.sqrt(p * (1 - p) / trials + Z_95**2 / (4 * trials**2)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def significant(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Two proportions (successes, trials) differ at 95% (a pooled two-proportion z-test)."""
    (x1, n1), (x2, n2) = a, b
    if not n1 or not n2:
        return False
    pooled = (x1 + x2) / (n1 + n2)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return spread > 0 and abs(x1 / n1 - x2 / n2) / spread >= Z_95


def judge(
    ab: AbTest, sent: list[int], clicked: list[int] | None, visited: list[int], winner: int | None = None
) -> AbResult:
    """Each variant's rate by the test's metric, the leader, and whether its lead is significant."""
    by_click = ab.winner_by is WinnerMetric.CLICK and clicked is not None
    successes = clicked if by_click and clicked is not None else visited
    results = []
    for n in range(len(ab.variants)):
        low, high = wilson(successes[n], sent[n])
        results.append(
            VariantResult(
                variant=n,
                sent=sent[n],
                clicked=clicked[n] if clicked is not None else None,
                visited=visited[n],
                rate=successes[n] / sent[n] if sent[n] else 0.0,
                low=low,
                high=high,
            )
        )
    ranked = sorted(results, key=lambda r: (-r.rate, r.variant))
    leader = ranked[0].variant if any(r.sent for r in results) else None
    lead = len(ranked) > 1 and significant(
        (successes[ranked[0].variant], sent[ranked[0].variant]),
        (successes[ranked[1].variant], sent[ranked[1].variant]),
    )
    return AbResult(
        metric=WinnerMetric.CLICK if by_click else WinnerMetric.VISIT,
        variants=results,
        leader=leader,
        significant=lead,
        winner=winner,
    )
