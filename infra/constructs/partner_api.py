"""The partner API (/api/v1/): its own function, for the shop's POS and other systems, and its route on
the HTTP API. A function of its own so that a register's burst never takes the LIFF pages' concurrency
and a partner key's calls run with nothing of LINE Login's. No SnapStart (daifuku:snapStart is the
webhook's and the LIFF API's): a register's first call of the day may wait a cold start, and the
snapshot's cost is not worth that here."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.constructs.daifuku_function import DaifukuFunction
from infra.constructs.http_api import HttpApi
from infra.routes import PARTNER_API_ROUTES


class PartnerApi(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        layer: lambda_.ILayerVersion,
        settings: Mapping[str, str],
        api: HttpApi,
    ):
        super().__init__(scope, construct_id)
        self.function = DaifukuFunction(
            self,
            "Function",
            name="partner_api",
            description="Daifuku: the partner API (POS): members, purchases, coupons, receipt QR codes",
            layer=layer,
            settings=settings,
        )
        api.add_routes(PARTNER_API_ROUTES, {"partner_api": self.function.entry})
