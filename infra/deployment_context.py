"""The deployment settings of a shop, read once from the CDK context (cdk.json or `--context`)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

if TYPE_CHECKING:
    # Only a type here: the local stack reads this module without starting jsii's Node.js runtime.
    from constructs import Node

# The CloudFormation stack of one shop (the CDK app and the operator CLI use it).
STACK_NAME = "Daifuku"
# Several shops in one account: `daifuku deploy --shop ginza` deploys the stack Daifuku-ginza, with its
# own table, functions, credentials parameter and site. The first shop (no --shop) keeps `Daifuku`.
SHOP_CONTEXT_KEY = "daifuku:shop"
SHOP_NAME_PATTERN = r"^[a-z][a-z0-9-]{0,23}$"
STACK_DESCRIPTION = "Daifuku: a self-hosted LINE CRM for small shops"
# Where `daifuku setup` writes each page\'s LIFF app id, beside the pages in the site bucket (the CDK
# deployment of the pages leaves it alone; the local LIFF site serves it from moto\'s bucket).
LIFF_APPS_FILE = "liff-apps.json"

# CloudFront accepts certificates from us-east-1 only.
CLOUDFRONT_CERTIFICATE_PREFIX = "arn:aws:acm:us-east-1:"


class DeploymentContext(BaseModel):
    """What a shop may change without touching code. Field aliases are the context keys."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    shop_timezone: str = Field(alias="daifuku:shopTimezone", default="Asia/Tokyo")
    birth_month_schedule: str = Field(
        alias="daifuku:birthMonthSchedule", default="cron(0 10 1 * ? *)", pattern=r"^cron\(.+\)$"
    )
    # The daily run that sends the birth-month message to members who registered since the last run.
    birth_month_catch_up_schedule: str = Field(
        alias="daifuku:birthMonthCatchUpSchedule", default="cron(0 10 * * ? *)", pattern=r"^cron\(.+\)$"
    )
    # SQS event sources accept a maximum concurrency of 2 to 1000.
    send_max_concurrency: int = Field(alias="daifuku:sendMaxConcurrency", default=2, ge=2, le=1000)
    # The combined request rates of all push workers: LINE's own limits per channel by default.
    send_push_per_second: float = Field(alias="daifuku:sendPushPerSecond", default=2000, gt=0, le=2000)
    send_multicast_per_second: float = Field(
        alias="daifuku:sendMulticastPerSecond", default=200, gt=0, le=200
    )
    liff_domain_name: str | None = Field(alias="daifuku:liffDomainName", default=None)
    liff_certificate_arn: str | None = Field(alias="daifuku:liffCertificateArn", default=None)
    liff_id: str = Field(
        alias="daifuku:liffId",
        default="",
        description="The LIFF app's id, known once the LIFF app is created with the LiffSiteUrl output.",
    )

    # SnapStart for the customer-facing functions (webhook, liff_api): their first response after a
    # quiet hour comes from a snapshot with the clients built. Off: the snapshot cache and each restore
    # are billed (bench/cost.py), which is most of a small shop's bill.
    snap_start: bool = Field(alias="daifuku:snapStart", default=False)
    # X-Ray: Lambda samples an actively traced function at the first request each second plus 5%,
    # which for a small shop is nearly every request, and Lambda takes no sampling rule. So tracing is
    # a switch: "PassThrough" (the default) records a trace only when the caller asks for one (none of
    # Daifuku's callers do: no X-Ray charge); "Active" traces as Lambda samples.
    tracing: Literal["Active", "PassThrough"] = Field(alias="daifuku:tracing", default="PassThrough")

    @field_validator("shop_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {value!r}") from error
        return value

    @model_validator(mode="after")
    def _domain_with_certificate(self) -> Self:
        if bool(self.liff_domain_name) != bool(self.liff_certificate_arn):
            raise ValueError("daifuku:liffDomainName and daifuku:liffCertificateArn go together")
        if self.liff_certificate_arn and not self.liff_certificate_arn.startswith(
            CLOUDFRONT_CERTIFICATE_PREFIX
        ):
            raise ValueError("daifuku:liffCertificateArn must be an ACM certificate in us-east-1")
        return self

    @classmethod
    def from_node(cls, node: Node) -> DeploymentContext:
        """The context values set on `node` (or above it), with the defaults for the others."""
        values = {}
        for field in cls.model_fields.values():
            value = node.try_get_context(field.alias) if field.alias else None
            if value is not None and value != "":
                values[field.alias] = value
        return cls.model_validate(values)


def shop_stack_name(shop: str | None) -> str:
    """The stack of `shop` (None: the first shop's, `Daifuku`); ValueError for a name that cannot be
    part of a stack's name (lower-case letters, digits and hyphens, starting with a letter, up to 24)."""
    if shop is None:
        return STACK_NAME
    if not re.match(SHOP_NAME_PATTERN, shop):
        raise ValueError(
            f"{shop!r} cannot name a shop: lower-case letters, digits and hyphens, starting with a letter, "
            "at most 24"
        )
    return f"{STACK_NAME}-{shop}"


def shop_of_stack(stack_name: str) -> str | None:
    """The shop a Daifuku stack serves (None: the first shop's), or None for another stack."""
    prefix = f"{STACK_NAME}-"
    return stack_name[len(prefix) :] if stack_name.startswith(prefix) else None
