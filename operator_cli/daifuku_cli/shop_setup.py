"""What `daifuku setup` does, step by step: compare what LINE and AWS have with what the shop should
have, and change only what differs (nothing at all with `dry_run`).

Every step can be run again: LIFF apps are found by the ids saved in the shop config, or else by their
name (the shop's name and what the app is, as customers see it on LINE's consent screen), rich menus
by the ids and image
digests saved in the shop config, aliases and the default menu are read back before they are set. A
new rich menu is saved to the shop config as soon as its image is uploaded, and the menu it replaces
is deleted last, after the default, the aliases and the members' links point at the new one
(daifuku.domain.rich_menu_publishing, shared with the rich menu painter function).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from linebot.v3 import liff, messaging
from pydantic import BaseModel, ConfigDict, SecretStr

from daifuku.adapters.dynamodb.repositories import Repositories
from daifuku.adapters.line_credentials import CREDENTIALS_CACHE_SECONDS
from daifuku.domain.rich_menu_publishing import RichMenuPublisher, contains, owners_images
from daifuku.models.shop import LiffApps, ShopConfig
from daifuku_cli.credentials_store import CredentialsParameter
from daifuku_cli.line_clients import LineClients, unless_not_found
from daifuku_cli.sdk_rich_menus import SdkRichMenuApi
from daifuku_menu_drawing.menu_images import wanted_rich_menus
from infra.deployment_context import LIFF_APPS_FILE

# Where the LIFF pages find their LIFF app ids: beside config.json in the site bucket. CDK's page
# deployment never writes or prunes it, so a later `cdk deploy` keeps what setup wrote.
OWNER_ROLE = "owner"
UNAUTHORIZED = 401


class SetupCredentials(BaseModel):
    """The channel credentials the operator gives; stored in the stack's LINE credentials parameter."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    channel_secret: SecretStr
    channel_access_token: SecretStr
    login_channel_id: str
    # Only setup needs it: the LIFF server API takes a token of the LINE Login channel.
    login_channel_secret: SecretStr

    def secret_document(self) -> dict[str, str]:
        return {
            "channel_secret": self.channel_secret.get_secret_value(),
            "channel_access_token": self.channel_access_token.get_secret_value(),
            "login_channel_id": self.login_channel_id,
            "login_channel_secret": self.login_channel_secret.get_secret_value(),
        }


@dataclass(frozen=True)
class WantedLiffApp:
    """A LIFF app as the shop needs it. Its name (`description` in LINE's API) is shown to customers."""

    kind: str  # the LiffApps field it fills
    what: str  # what the app is, after the shop's name
    page: str
    scope: tuple[str, ...] = ("openid", "profile")
    qr_code: bool = False

    def description(self, shop_name: str) -> str:
        return f"{shop_name} {self.what}"

    def request(self, site_url: str, shop_name: str) -> dict[str, Any]:
        return {
            "view": {"type": "full", "url": f"{site_url.rstrip('/')}/{self.page}"},
            "description": self.description(shop_name),
            "features": {"qrCode": self.qr_code},
            "permanentLinkPattern": "concat",
            "scope": sorted(self.scope),
            # Opening the card or the form offers to add the shop as a friend in the same step.
            "botPrompt": "aggressive",
        }


WANTED_LIFF_APPS = (
    WantedLiffApp("card", "会員証", "card.html"),
    WantedLiffApp("registration", "会員登録", "register.html"),
    WantedLiffApp("staff", "スタッフ用", "staff.html", qr_code=True),
)


@dataclass(frozen=True)
class SiteBucket:
    """The deployed LIFF site's bucket (and CloudFront distribution, whose cache is refreshed)."""

    s3: Any
    bucket: str
    cloudfront: Any = None
    distribution_id: str | None = None


@dataclass(frozen=True)
class SetupPlan:
    """Everything one run needs: where things are and what the shop should have."""

    credentials: SetupCredentials
    webhook_url: str
    liff_site_url: str
    owner_user_id: str | None = None


@dataclass
class SetupReport:
    """The steps' outcomes, printed as they happen."""

    dry_run: bool
    emit: Callable[[str], None] = print
    changes: int = 0
    failures: list[str] = field(default_factory=list)

    def unchanged(self, step: str, detail: str = "") -> None:
        self._line("ok", step, f"unchanged {detail}".rstrip())

    def changed(self, step: str, what: str, detail: str = "") -> None:
        self.changes += 1
        text = f"would {what}" if self.dry_run else _past(what)
        self._line("~", step, f"{text} {detail}".rstrip())

    def passed(self, step: str, detail: str) -> None:
        self._line("ok", step, detail)

    def failed(self, step: str, detail: str) -> None:
        self.failures.append(f"{step}: {detail}")
        self._line("!!", step, detail)

    def _line(self, mark: str, step: str, text: str) -> None:
        self.emit(f"  {mark:<2} {step:<28} {text}")


PAST_TENSE = {
    "create": "created",
    "update": "updated",
    "replace": "replaced",
    "set": "set",
    "add": "added",
    "delete": "deleted",
    "relink": "relinked",
}


def _past(verb_phrase: str) -> str:
    verb, _, rest = verb_phrase.partition(" ")
    return f"{PAST_TENSE[verb]} {rest}".rstrip()


def _liff_apps(apps: liff.Liff) -> list[dict[str, Any]]:
    """The channel's LIFF apps in LINE's wire format."""
    answer = unless_not_found(apps.get_all_liff_apps)
    return [app.to_dict() for app in (answer.apps if answer else None) or []]


class ShopSetup:
    """The steps of `daifuku setup`, each comparing before changing."""

    def __init__(
        self,
        *,
        line: LineClients,
        table: Repositories,
        report: SetupReport,
        credentials_store: CredentialsParameter | None = None,
        site: SiteBucket | None = None,
    ):
        self._line = line
        self._table = table
        self._credentials_store = credentials_store
        self._site = site
        self.report = report
        self._credentials_changed = False

    @property
    def _dry_run(self) -> bool:
        return self.report.dry_run

    def run(self, plan: SetupPlan) -> SetupReport:
        self.store_credentials(plan.credentials)
        self.configure_webhook(plan.webhook_url)
        shop = self._table.shop_config.load_shop_config()
        shop = self.configure_liff_apps(shop, plan)
        self.publish_liff_ids(shop.liff_apps)
        self.configure_rich_menus(shop)
        if plan.owner_user_id:
            self.add_owner(plan.owner_user_id)
        # Last, so that the webhook function's first look at the shop config sees all of the above.
        self.test_webhook(plan.webhook_url)
        return self.report

    # Credentials

    def store_credentials(self, credentials: SetupCredentials) -> None:
        if self._credentials_store is None:
            raise ValueError("setup needs the stack's credentials parameter")
        where = f"(Parameter Store {self._credentials_store.name})"
        stored = self._credentials_store.read()
        current = stored or self._credentials_store.read_legacy() or {}
        wanted = credentials.secret_document()
        if stored is not None and all(current.get(name) == value for name, value in wanted.items()):
            self.report.unchanged("LINE credentials", where)
            return
        if not self._dry_run:
            self._credentials_store.write({**current, **wanted})
        changed = sorted(name for name, value in wanted.items() if current.get(name) != value)
        self._credentials_changed = bool(changed)
        detail = f"{', '.join(changed)}; values not shown" if changed else "moved from Secrets Manager"
        self.report.changed("LINE credentials", "update" if stored else "store", f"({detail}) {where}")

    # Webhook

    def configure_webhook(self, url: str) -> None:
        if self._webhook_endpoint() == url:
            self.report.unchanged("webhook endpoint", url)
        else:
            if not self._dry_run:
                self._line.messaging.set_webhook_endpoint(messaging.SetWebhookEndpointRequest(endpoint=url))
            self.report.changed("webhook endpoint", "set", url)

    def _webhook_endpoint(self) -> str | None:
        answer = unless_not_found(self._line.messaging.get_webhook_endpoint)
        return (answer.endpoint or None) if answer else None

    def test_webhook(self, url: str) -> None:
        """LINE's own test request (signed, no events) must reach Daifuku's webhook and be accepted."""
        if self._dry_run:
            return
        request = messaging.TestWebhookEndpointRequest(endpoint=url)
        result = self._line.messaging.test_webhook_endpoint(request)
        if result.success:
            self.report.passed("webhook test", f"LINE reached it ({result.status_code})")
        else:
            detail = f"LINE could not reach {url}: {result.reason} {result.detail}"
            if self._credentials_changed and result.status_code == UNAUTHORIZED:
                # A warm webhook function still checks signatures with the secret it read before.
                detail += (
                    f" (the functions read the new channel secret within {CREDENTIALS_CACHE_SECONDS // 60} "
                    "minutes: run `daifuku setup --stored-credentials` again then)"
                )
            self.report.failed("webhook test", detail)

    # LIFF apps

    def configure_liff_apps(self, shop: ShopConfig, plan: SetupPlan) -> ShopConfig:
        """The three LIFF apps, through the LIFF server API with a short-lived Login channel token
        (revoked afterwards: LINE keeps only so many per channel)."""
        credentials = plan.credentials
        token = self._line.tokens.issue_channel_token(
            "client_credentials",
            credentials.login_channel_id,
            credentials.login_channel_secret.get_secret_value(),
        ).access_token
        try:
            ids = self._sync_liff_apps(self._line.liff(token), shop, plan.liff_site_url)
        finally:
            self._line.tokens.revoke_channel_token(token)
        wanted_apps = LiffApps(**ids)
        if wanted_apps == shop.liff_apps:
            return shop
        shop = shop.model_copy(update={"liff_apps": wanted_apps})
        if not self._dry_run:
            self._save_liff_apps(wanted_apps)
        self.report.changed("shop config LIFF ids", "update")
        return shop

    def _sync_liff_apps(self, apps: liff.Liff, shop: ShopConfig, site_url: str) -> dict[str, str | None]:
        existing = _liff_apps(apps)
        ids: dict[str, str | None] = {}
        for wanted in WANTED_LIFF_APPS:
            request = wanted.request(site_url, shop.shop_name)
            step = f"LIFF app {wanted.kind}"
            saved_id = getattr(shop.liff_apps, wanted.kind)
            # The saved id first (a renamed shop keeps its apps); by name after a run that failed
            # between creating an app and saving its id.
            app = next((a for a in existing if a["liffId"] == saved_id), None) or next(
                (a for a in existing if a.get("description") == request["description"]), None
            )
            if app is None:
                liff_id = (
                    None
                    if self._dry_run
                    else apps.add_liff_app(liff.AddLiffAppRequest.from_dict(request)).liff_id
                )
                self.report.changed(step, "create", f"{liff_id or ''} → {request['view']['url']}".lstrip())
            elif contains({**app, "scope": sorted(app.get("scope", []))}, request):
                liff_id = app["liffId"]
                self.report.unchanged(step, liff_id)
            else:
                liff_id = app["liffId"]
                if not self._dry_run:
                    apps.update_liff_app(liff_id, liff.UpdateLiffAppRequest.from_dict(request))
                self.report.changed(step, "update", f"{liff_id} → {request['view']['url']}")
            ids[wanted.kind] = liff_id
        return ids

    def _save_liff_apps(self, liff_apps: LiffApps) -> None:
        # Read again just before writing: only this field is ours to change here.
        current = self._table.shop_config.load_shop_config()
        self._table.shop_config.save_shop_config(current.model_copy(update={"liff_apps": liff_apps}))

    def publish_liff_ids(self, liff_apps: LiffApps) -> None:
        """The LIFF pages' `liff-apps.json` in the site bucket, so each page starts its own LIFF app."""
        if self._site is None:
            return
        # The bot's basic id (@…) lets a page opened outside LINE link to the shop's account.
        bot = unless_not_found(self._line.messaging.get_bot_info)
        wanted = liff_apps.model_dump() | ({"botBasicId": bot.basic_id} if bot and bot.basic_id else {})
        try:
            body = self._site.s3.get_object(Bucket=self._site.bucket, Key=LIFF_APPS_FILE)["Body"].read()
            current = json.loads(body)
        except self._site.s3.exceptions.NoSuchKey:
            current = None
        if current == wanted:
            self.report.unchanged("LIFF site liff-apps.json")
            return
        if not self._dry_run:
            self._site.s3.put_object(
                Bucket=self._site.bucket,
                Key=LIFF_APPS_FILE,
                Body=json.dumps(wanted).encode(),
                ContentType="application/json",
                CacheControl="no-cache",
            )
            if self._site.cloudfront is not None and self._site.distribution_id:
                self._site.cloudfront.create_invalidation(
                    DistributionId=self._site.distribution_id,
                    InvalidationBatch={
                        "Paths": {"Quantity": 1, "Items": [f"/{LIFF_APPS_FILE}"]},
                        "CallerReference": json.dumps(wanted, sort_keys=True),
                    },
                )
        self.report.changed("LIFF site liff-apps.json", "update", f"s3://{self._site.bucket}")

    # Rich menus

    def configure_rich_menus(self, shop: ShopConfig) -> None:
        """Both menus, drawn for this shop (or the owner's own images kept), published as the
        painter function publishes them."""
        line = SdkRichMenuApi(self._line)
        publisher = RichMenuPublisher(line, self._table.shop_config, self._table.members, self.report)
        publisher.publish(shop, wanted_rich_menus(shop, uploaded=owners_images(shop, line)))

    # Staff

    def add_owner(self, user_id: str) -> None:
        if self._table.staff.staff_role(user_id) == OWNER_ROLE:
            self.report.unchanged("owner", user_id)
            return
        if not self._dry_run:
            self._table.staff.add_staff(user_id, OWNER_ROLE)
        self.report.changed("owner", "add", user_id)
