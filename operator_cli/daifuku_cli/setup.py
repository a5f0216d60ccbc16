"""`daifuku setup`: from a deployed (or local) stack to a working shop on LINE, in one command.

It stores the channel credentials in the stack's SecureString parameter (Parameter Store), sets and
tests the webhook URL, creates or updates the LIFF apps, draws and creates the two rich menus, sets the
default menu and the aliases, and adds the first owner. Each step compares first, so a second run (or
one after a failure) changes only what is still missing; `--dry-run` shows what would change and
changes nothing.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from daifuku_cli.failures import UsageError, line_user_id
from daifuku_cli.line_hosts import LINE_API, LINE_DATA_API, LineEndpoints
from daifuku_cli.messages import _
from daifuku_cli.target import (
    LOCAL_LINE_API_URL,
    Target,
    add_target_arguments,
    resolve_target,
    where_hint,
)

if TYPE_CHECKING:
    from daifuku_cli.shop_setup import SetupCredentials

PROMPTS = {
    "channel_secret": ("Messaging API channel secret: ", True),
    "channel_access_token": ("Messaging API channel access token (long-lived): ", True),
    "login_channel_id": ("LINE Login channel ID: ", False),
    "login_channel_secret": ("LINE Login channel secret: ", True),
}


def register(subcommands: Any) -> None:
    parser = subcommands.add_parser(
        "setup",
        help="configure LINE for the shop: credentials, webhook, LIFF apps, rich menus, owner",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_target_arguments(parser)
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--credentials-file",
        type=Path,
        help="a JSON file with channel_secret, channel_access_token, login_channel_id and "
        "login_channel_secret (default: asked for, without echo)",
    )
    source.add_argument(
        "--stored-credentials",
        action="store_true",
        help="use the credentials a previous run stored (in Parameter Store, or in the secret of a stack "
        "deployed before the credentials moved there; nothing asked)",
    )
    parser.add_argument(
        "--owner-user-id",
        type=line_user_id,
        help="the LINE user id (U + 32 hex digits) of the shop's first owner",
    )
    parser.add_argument("--dry-run", action="store_true", help="show what would change; change nothing")
    parser.add_argument(
        "--line-api-url",
        help=f"LINE's API (default {LINE_API}; with --local the simulator, {LOCAL_LINE_API_URL})",
    )
    parser.add_argument("--line-data-api-url", help=f"LINE's data API (default {LINE_DATA_API})")
    parser.add_argument("--webhook-url", help="the webhook URL (default: the stack's WebhookUrl output)")
    parser.add_argument("--liff-site-url", help="the LIFF pages (default: the stack's LiffSiteUrl output)")
    parser.set_defaults(run=run_setup)


def read_credentials(path: Path | None, stored: dict[str, Any] | None = None) -> SetupCredentials:
    """From what setup stored before, the file, or asked for one by one (secrets without echo)."""
    from daifuku_cli.shop_setup import SetupCredentials

    if stored is not None:
        document = {name: stored.get(name) for name in PROMPTS}
    elif path is not None:
        document = json.loads(path.read_text(encoding="utf-8"))
    else:
        if not sys.stdin.isatty():
            raise UsageError(
                _(
                    "No terminal to ask for the LINE credentials: pass --credentials-file FILE "
                    "(or --stored-credentials once they are stored)."
                )
            )
        document = {
            name: (getpass.getpass(prompt) if secret else input(prompt)).strip()
            for name, (prompt, secret) in PROMPTS.items()
        }
    return SetupCredentials.model_validate(document)


def line_endpoints(arguments: argparse.Namespace, target: Target) -> LineEndpoints:
    default_api = (target.line_api_url or LOCAL_LINE_API_URL) if target.is_local else LINE_API
    api = (arguments.line_api_url or default_api).rstrip("/")
    data_api = arguments.line_data_api_url or (api if target.is_local else LINE_DATA_API)
    return LineEndpoints(api=api, data_api=data_api.rstrip("/"))


def run_setup(arguments: argparse.Namespace) -> int:
    # line-bot-sdk takes seconds to import: only a setup that gets this far pays for it.
    from daifuku.adapters.dynamodb.repositories import Repositories
    from daifuku_cli.line_clients import line_clients
    from daifuku_cli.shop_setup import SetupPlan, SetupReport, ShopSetup, SiteBucket

    # The operator's input first: a typo in the file stops setup before it reaches AWS or LINE.
    target: Target | None = None
    try:
        if arguments.stored_credentials:
            target = resolve_target(arguments)
            credentials = read_credentials(None, _stored_credentials(target))
        else:
            credentials = read_credentials(arguments.credentials_file)
    except (OSError, ValueError, ValidationError) as error:
        reason = getattr(error, "strerror", None) or error
        if isinstance(error, ValidationError):
            reason = _("{fields} missing or not valid").format(
                fields=", ".join(str(e["loc"][0]) for e in error.errors() if e.get("loc"))
            )
        hint = (
            _("run `daifuku setup` once with --credentials-file to store them")
            if arguments.stored_credentials
            else _("fix the file and run again")
        )
        raise UsageError(
            _("The LINE credentials could not be read ({reason}): {hint}.").format(reason=reason, hint=hint)
        ) from error
    target = target or resolve_target(arguments)
    webhook_url = arguments.webhook_url or target.webhook_url
    liff_site_url = arguments.liff_site_url or target.liff_site_url
    if not webhook_url or not liff_site_url:
        raise UsageError(
            _("The stack has no WebhookUrl/LiffSiteUrl outputs: deploy it first (daifuku deploy).")
        )
    report = SetupReport(dry_run=arguments.dry_run)
    site = None
    if target.liff_site_bucket:
        site = SiteBucket(
            s3=target.client("s3"),
            bucket=target.liff_site_bucket,
            cloudfront=target.client("cloudfront") if target.liff_distribution_id else None,
            distribution_id=target.liff_distribution_id,
        )
    setup = ShopSetup(
        line=line_clients(
            credentials.channel_access_token.get_secret_value(), line_endpoints(arguments, target)
        ),
        table=Repositories.for_table(target.table_name, target.resource("dynamodb")),
        credentials_store=target.credentials_parameter(),
        site=site,
        report=report,
    )
    heading = _("Checking the shop ({where}):") if arguments.dry_run else _("Setting up the shop ({where}):")
    print(heading.format(where=where_hint(arguments)))
    plan = SetupPlan(credentials, webhook_url, liff_site_url, arguments.owner_user_id)
    setup.run(plan)  # LINE refusing a call ends the run: daifuku_cli.failures says why, in one line
    if report.failures:
        print(
            _("{count} step(s) failed; fix the cause and run `daifuku setup` again.").format(
                count=len(report.failures)
            ),
            file=sys.stderr,
        )
        return 1
    if report.changes == 0:
        print(_("Everything is as it should be: nothing changed."))
    elif arguments.dry_run:
        print(
            _("{count} change(s) would be made. Run without --dry-run to make them.").format(
                count=report.changes
            )
        )
    else:
        print(_("Done: {count} change(s).").format(count=report.changes))
    return 0


def _stored_credentials(target: Target) -> dict[str, Any]:
    document = target.credentials_parameter().read_stored()
    if document is None:
        raise ValueError(f"nothing is stored in {target.line_credentials_parameter} yet")
    return document
