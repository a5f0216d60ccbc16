"""`daifuku shops`: the shops this account runs (one stack each, `daifuku deploy --shop NAME`) with
their webhook URLs and state, and the local stacks running on this machine."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

import boto3

from daifuku_cli.local_stack_file import local_stack_files, read_local_stack_urls
from daifuku_cli.messages import _
from infra.deployment_context import STACK_DESCRIPTION, STACK_NAME, shop_of_stack

# CloudFormation's states of a stack that exists (ListStacks also lists deleted ones).
LIVE_STATES = (
    "CREATE_IN_PROGRESS",
    "CREATE_COMPLETE",
    "CREATE_FAILED",
    "ROLLBACK_IN_PROGRESS",
    "ROLLBACK_FAILED",
    "ROLLBACK_COMPLETE",
    "UPDATE_IN_PROGRESS",
    "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
    "UPDATE_COMPLETE",
    "UPDATE_FAILED",
    "UPDATE_ROLLBACK_IN_PROGRESS",
    "UPDATE_ROLLBACK_FAILED",
    "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
    "UPDATE_ROLLBACK_COMPLETE",
    "DELETE_IN_PROGRESS",
    "DELETE_FAILED",
    "IMPORT_COMPLETE",
    "IMPORT_ROLLBACK_COMPLETE",
)


@dataclass(frozen=True)
class Shop:
    name: str  # the --shop to pass; "(first)" for the stack deployed without one
    stack: str
    state: str
    webhook_url: str


def register(subcommands: Any) -> None:
    parser = subcommands.add_parser(
        "shops", help="list the shops (one stack each) with their webhook URLs and state", description=__doc__
    )
    parser.add_argument("--region", help="AWS region (default: your AWS profile's)")
    parser.add_argument("--local", action="store_true", help="list the local stacks running here instead")
    parser.set_defaults(run=run_shops)


def deployed_shops(cloudformation: Any) -> list[Shop]:
    """Every Daifuku stack of the account and region: `Daifuku` and `Daifuku-<shop>`."""
    shops = []
    for page in cloudformation.get_paginator("list_stacks").paginate(StackStatusFilter=list(LIVE_STATES)):
        for summary in page["StackSummaries"]:
            name = summary["StackName"]
            if name != STACK_NAME and shop_of_stack(name) is None:
                continue
            stack = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
            if not str(stack.get("Description", "")).startswith(STACK_DESCRIPTION):
                continue  # another project's stack whose name starts the same
            outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
            shops.append(
                Shop(
                    name=shop_of_stack(name) or "-",
                    stack=name,
                    state=summary["StackStatus"],
                    webhook_url=outputs.get("WebhookUrl", "-"),
                )
            )
    return sorted(shops, key=lambda shop: shop.stack)


def local_shops() -> list[Shop]:
    shops = []
    for shop, path in local_stack_files().items():
        urls = read_local_stack_urls(path)
        if urls is not None:
            shops.append(Shop(shop or "-", "local", "RUNNING", urls["webhook"]))
    return shops


def print_shops(shops: list[Shop]) -> None:
    width = max([len(s.name) for s in shops] + [4])
    stack_width = max([len(s.stack) for s in shops] + [5])
    print(f"{'shop':<{width}}  {'stack':<{stack_width}}  {'state':<24}  webhook URL")
    for shop in shops:
        print(f"{shop.name:<{width}}  {shop.stack:<{stack_width}}  {shop.state:<24}  {shop.webhook_url}")


def run_shops(arguments: argparse.Namespace) -> int:
    if arguments.local:
        shops = local_shops()
    else:
        session = boto3.Session(region_name=arguments.region) if arguments.region else boto3.Session()
        shops = deployed_shops(session.client("cloudformation"))
    if not shops:
        print(_("No shops yet: deploy one with `daifuku deploy`, another with `daifuku deploy --shop NAME`."))
        return 0
    print_shops(shops)
    return 0
