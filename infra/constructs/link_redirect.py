"""Tracked links: the redirect function behind `GET /r/{code}`, and what the senders need to make links
on the API (its URL) and the redirect to send a bad code somewhere (the shop's page)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.constructs.daifuku_function import DaifukuFunction


class LinkRedirect(Construct):
    """The redirect function; `point_at` gives it, and every function that sends tracked links, the
    API's URL and the shop's page once both exist."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        layer: lambda_.ILayerVersion,
        settings: Mapping[str, str],
        snap_start: bool = False,
    ):
        super().__init__(scope, construct_id)
        self.redirect = DaifukuFunction(
            self,
            "Redirect",
            name="link_redirect",
            description="Daifuku: tracked links' redirect (a click counted once, then 302)",
            layer=layer,
            settings=settings,
            snap_start=snap_start,
        )

    def point_at(self, api_base_url: str, shop_page_url: str, senders: Iterable[DaifukuFunction]) -> None:
        for function in (self.redirect, *senders):
            function.add_environment({"api_base_url": api_base_url, "shop_page_url": shop_page_url})
