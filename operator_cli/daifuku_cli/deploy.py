"""`daifuku deploy`: `cdk deploy` with its prerequisites checked first, and the URLs LINE needs at the end.

It checks the AWS credentials and region, that the account is bootstrapped for CDK (the CDKToolkit
stack and its bootstrap version parameter) and that Node.js and the pinned CDK CLI are installed, and
says in plain words what is missing. Then it runs the project's pinned `cdk deploy` (plain
`./dev cdk deploy` does the same deployment) and prints the webhook URL and the LIFF endpoint URL.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from daifuku.adapters.line_credentials import credentials_parameter_name
from daifuku_cli.credentials_store import CredentialsParameter, migrate_legacy_secret
from daifuku_cli.messages import _
from daifuku_cli.target import add_shop_argument
from infra.deployment_context import SHOP_CONTEXT_KEY, STACK_NAME, shop_stack_name
from infra.layer_build import REPO_ROOT

CDK_CLI = REPO_ROOT / "node_modules" / ".bin" / "cdk"
BOOTSTRAP_STACK = "CDKToolkit"
BOOTSTRAP_VERSION_PARAMETER = "/cdk-bootstrap/{qualifier}/version"
DEFAULT_QUALIFIER = "hnb659fds"
# The bootstrap version today's CDK needs for the assets it uploads (see `cdk bootstrap --help`).
MIN_BOOTSTRAP_VERSION = 6
MIN_NODE_MAJOR = 20
# As ./dev runs the CDK CLI: no telemetry, no Node end-of-life banner.
CDK_ENVIRONMENT = {"CDK_DISABLE_CLI_TELEMETRY": "true", "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}

CdkRunner = Callable[[list[str]], int]


def register(subcommands: Any) -> None:
    parser = subcommands.add_parser(
        "deploy",
        help="check the prerequisites, run cdk deploy, print the webhook and LIFF URLs",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--region", help="AWS region (default: your AWS profile's)")
    parser.add_argument("--check-only", action="store_true", help="check the prerequisites; deploy nothing")
    add_shop_argument(parser)
    parser.add_argument(
        "cdk_arguments",
        nargs=argparse.REMAINDER,
        help="passed on to cdk deploy after `--`, e.g. -- --context daifuku:shopTimezone=Asia/Tokyo",
    )
    parser.set_defaults(run=run_deploy)


@dataclass(frozen=True)
class Prerequisite:
    """One check: what it is about, and what is missing (None when all is well)."""

    name: str
    missing: str | None = None


def check_tools(
    cdk_cli: Path = CDK_CLI, which: Callable[[str], str | None] = shutil.which
) -> list[Prerequisite]:
    node = which("node")
    if node is None:
        return [Prerequisite("Node.js", f"Node.js {MIN_NODE_MAJOR} or newer is not installed.")]
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    major = int(version.lstrip("v").split(".")[0] or 0) if version else 0
    checks = [
        Prerequisite(
            "Node.js",
            None
            if major >= MIN_NODE_MAJOR
            else f"Node.js {version} is too old: {MIN_NODE_MAJOR}+ is needed.",
        )
    ]
    checks.append(
        Prerequisite(
            "CDK CLI",
            None
            if cdk_cli.exists()
            else "The npm packages (the pinned CDK CLI) are not installed: run `npm ci` in the repository "
            "(or any ./dev command).",
        )
    )
    return checks


def check_aws(session: Any, qualifier: str = DEFAULT_QUALIFIER) -> list[Prerequisite]:
    """Credentials, region, bootstrap: each one a plain sentence when missing."""
    region = session.region_name
    if not region:
        return [
            Prerequisite(
                "AWS region", "No AWS region is set: pass --region or set AWS_REGION (ap-northeast-1)."
            )
        ]
    try:
        identity = session.client("sts").get_caller_identity()
    except (NoCredentialsError, ClientError, BotoCoreError) as error:
        return [
            Prerequisite(
                "AWS credentials",
                f"No usable AWS credentials ({error.__class__.__name__}): run `aws configure` or "
                "`aws sso login`, or set AWS_PROFILE.",
            )
        ]
    account = identity["Account"]
    checks = [Prerequisite("AWS credentials"), Prerequisite("AWS region")]
    bootstrap_hint = f"run `./dev cdk bootstrap aws://{account}/{region}` once."
    try:
        session.client("cloudformation").describe_stacks(StackName=BOOTSTRAP_STACK)
    except ClientError:
        checks.append(
            Prerequisite(
                "CDK bootstrap", f"Account {account} is not bootstrapped in {region}: {bootstrap_hint}"
            )
        )
        return checks
    try:
        name = BOOTSTRAP_VERSION_PARAMETER.format(qualifier=qualifier)
        version = int(session.client("ssm").get_parameter(Name=name)["Parameter"]["Value"])
    except ClientError:
        version = 0
    if version < MIN_BOOTSTRAP_VERSION:
        checks.append(
            Prerequisite(
                "CDK bootstrap",
                f"The CDK bootstrap in {region} is version {version or 'unknown'}; "
                f"{MIN_BOOTSTRAP_VERSION}+ is needed: {bootstrap_hint}",
            )
        )
    else:
        checks.append(Prerequisite("CDK bootstrap"))
    return checks


def print_checks(checks: Sequence[Prerequisite]) -> bool:
    for check in checks:
        print(f"  {'ok' if check.missing is None else '!!'} {check.name:<16} {check.missing or ''}".rstrip())
    return all(check.missing is None for check in checks)


def run_cdk(arguments: list[str]) -> int:
    """The project's pinned CDK CLI, from the repository root (where cdk.json is)."""
    return subprocess.call([str(CDK_CLI), *arguments], cwd=REPO_ROOT, env={**os.environ, **CDK_ENVIRONMENT})


def deploy(
    session: Any,
    cdk: CdkRunner = run_cdk,
    cdk_arguments: Sequence[str] = (),
    tools: Callable[[], list[Prerequisite]] = check_tools,
    check_only: bool = False,
    shop: str | None = None,
) -> int:
    """Check, deploy, then print the stack's URLs; 1 with the reasons when something is missing.
    `shop`: one shop of several, in its own stack (Daifuku-<shop>); None: the first shop's, Daifuku."""
    stack_name = shop_stack_name(shop)
    print(_("Checking the prerequisites:"))
    if not print_checks([*tools(), *check_aws(session)]):
        print(_("Fix what is missing above, then run `daifuku deploy` again."))
        return 1
    if check_only:
        return 0
    move_credentials_from_the_old_secret(session, stack_name)
    with tempfile.TemporaryDirectory() as directory:
        outputs_file = Path(directory) / "outputs.json"
        command = ["deploy", stack_name, "--outputs-file", str(outputs_file), *cdk_arguments]
        if shop is not None:
            command += ["--context", f"{SHOP_CONTEXT_KEY}={shop}"]
        print(f"Running cdk {' '.join(command[:2])} …", flush=True)
        status = cdk(command)
        if status != 0:
            print(_("cdk deploy failed (exit {status}); its output above says why.").format(status=status))
            return status
        outputs = json.loads(outputs_file.read_text()).get(stack_name, {})
    print_urls(outputs, credentials_stored(credentials_parameter(session, outputs, stack_name)), shop)
    return 0


def credentials_parameter(
    session: Any, outputs: dict[str, str], stack_name: str = STACK_NAME
) -> CredentialsParameter:
    """The stack's LINE credentials parameter; with the secret of a stack deployed before the move."""
    legacy_secret = outputs.get("LineSecretArn")
    return CredentialsParameter(
        session.client("ssm"),
        outputs.get("LineCredentialsParameterName", credentials_parameter_name(stack_name)),
        session.client("secretsmanager") if legacy_secret else None,
        legacy_secret,
    )


def move_credentials_from_the_old_secret(session: Any, stack_name: str = STACK_NAME) -> None:
    """A shop deployed before the credentials moved to Parameter Store: copy them from its secret
    first, because this deployment deletes the secret (and the functions read the parameter)."""
    try:
        stack = session.client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"][0]
    except ClientError:
        return  # a first deployment
    outputs = {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}
    if "LineSecretArn" not in outputs:
        return
    parameter = credentials_parameter(session, outputs, stack_name)
    if migrate_legacy_secret(parameter):
        print(
            f"Moved the LINE channel credentials from Secrets Manager to Parameter Store ({parameter.name})."
        )


def credentials_stored(parameter: CredentialsParameter) -> bool:
    """Whether `daifuku setup` has stored the LINE credentials yet (the deploy cannot)."""
    try:
        document = parameter.read()
    except ClientError:
        return False
    return bool(document and document.get("channel_access_token") and document.get("login_channel_id"))


def print_urls(outputs: dict[str, str], credentials: bool, shop: str | None = None) -> None:
    print(_("Deployed. `daifuku setup` enters these on LINE for you:"))
    print(f"  Webhook URL (Messaging API channel):   {outputs.get('WebhookUrl', '?')}")
    print(f"  LIFF endpoint URL (LINE Login channel): {outputs.get('LiffSiteUrl', '?')}")
    if credentials:
        print(_("The LINE channel credentials are stored. Next: daifuku setup (again, after any change)."))
    else:
        print(_("The LINE channel credentials are not stored yet: `daifuku setup` asks for them."))
        shop_option = f" --shop {shop}" if shop else ""
        print(_("Next: daifuku setup{shop} --owner-user-id <your LINE user id>").format(shop=shop_option))


def run_deploy(arguments: argparse.Namespace) -> int:
    if arguments.region:
        os.environ["AWS_REGION"] = arguments.region  # for the CDK CLI too
    session = boto3.Session(region_name=arguments.region) if arguments.region else boto3.Session()
    extra = [a for a in arguments.cdk_arguments if a != "--"]
    return deploy(session, cdk_arguments=extra, check_only=arguments.check_only, shop=arguments.shop)
