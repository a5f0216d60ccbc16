"""The Daifuku stack: wires one construct per concern together, and says who may do what."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Duration, Stack
from constructs import Construct

from daifuku.table_schema import MEMBER_TABLE
from infra.constructs.birth_month_schedule import BirthMonthSchedule
from infra.constructs.campaign_scheduling import CampaignScheduling
from infra.constructs.connect_delivery import ConnectDelivery
from infra.constructs.daifuku_function import DaifukuFunction
from infra.constructs.http_api import HttpApi
from infra.constructs.liff_hosting import LiffHosting
from infra.constructs.line_credentials import LineCredentials
from infra.constructs.link_redirect import LinkRedirect
from infra.constructs.member_table import MemberTable
from infra.constructs.message_images import MessageImages
from infra.constructs.partner_api import PartnerApi
from infra.constructs.rich_menu_painter import RichMenuPainter
from infra.constructs.scenario_schedule import ScenarioSchedule
from infra.constructs.send_pipeline import SendPipeline
from infra.constructs.shared_layer import SharedLayer
from infra.deployment_context import DeploymentContext
from infra.routes import CORE_ROUTES

# API Gateway's HTTP API answers 503 after 30 seconds; liff_api stops a little before.
LIFF_API_TIMEOUT = Duration.seconds(29)


class DaifukuStack(Stack):
    """Everything one shop runs. Environment-agnostic: no lookups, so it synthesizes offline."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any):
        super().__init__(scope, construct_id, **kwargs)
        context = DeploymentContext.from_node(self.node)

        layer = SharedLayer(self, "SharedLayer").layer
        members = MemberTable(self, "MemberTable", definition=MEMBER_TABLE)
        table = members.table
        credentials = LineCredentials(self, "LineCredentials")
        settings = {
            "table_name": table.table_name,
            "line_credentials_parameter": credentials.parameter_name,
            "shop_timezone": context.shop_timezone,
        }

        webhook = DaifukuFunction(
            self,
            "Webhook",
            name="webhook",
            description="Daifuku: LINE webhook events become friends in the ledger",
            layer=layer,
            settings=settings,
            snap_start=context.snap_start,
        )
        liff_api = DaifukuFunction(
            self,
            "LiffApi",
            name="liff_api",
            description="Daifuku: the LIFF pages' API (registration, member card)",
            layer=layer,
            settings=settings,
            snap_start=context.snap_start,
            # The owner's own rich menu is published while they wait (the painter invoked in the
            # request): up to what API Gateway's HTTP API waits for an answer (30 s).
            timeout=LIFF_API_TIMEOUT,
        )
        birthday_scheduler = DaifukuFunction(
            self,
            "BirthdayScheduler",
            name="birthday_scheduler",
            description="Daifuku: plans the monthly birth-month campaign",
            layer=layer,
            settings=settings,
            timeout=Duration.minutes(5),
        )
        send_pipeline = SendPipeline(
            self,
            "SendPipeline",
            layer=layer,
            settings=settings,
            max_concurrency=context.send_max_concurrency,
            push_per_second=context.send_push_per_second,
            multicast_per_second=context.send_multicast_per_second,
        )
        push_worker = send_pipeline.worker
        campaigns = CampaignScheduling(self, "CampaignScheduling", layer=layer, settings=settings)
        planner = campaigns.planner

        rich_menus = RichMenuPainter(self, "RichMenuPainter", layer=layer, settings=settings)
        painter = rich_menus.painter
        connect = ConnectDelivery(self, "ConnectDelivery", layer=layer, settings=settings)
        scenario_scheduler = ScenarioSchedule(
            self, "ScenarioSchedule", layer=layer, settings=settings
        ).function

        links = LinkRedirect(
            self, "LinkRedirect", layer=layer, settings=settings, snap_start=context.snap_start
        )
        redirect = links.redirect

        for function in (
            webhook,
            liff_api,
            birthday_scheduler,
            push_worker,
            planner,
            painter,
            connect.worker,
            scenario_scheduler,
            redirect,
        ):
            members.grant_read_write(function)
        # Planners read members, check LINE's message quota and put send jobs on the queue; the
        # redirect's signing key is derived from the channel secret.
        for function in (webhook, liff_api, push_worker, birthday_scheduler, planner, painter, redirect):
            credentials.grant_read(function.role)
        for function in (birthday_scheduler, planner):
            send_pipeline.allow_planning(function)
        # The minute schedule enqueues due scenario steps and switches each queue's polling off when
        # the queue is empty (Lambda's idle polling is most of a quiet shop's bill).
        send_pipeline.allow_planning(scenario_scheduler, settles_polling=True)
        connect.allow_settling(scenario_scheduler)
        # The staff console schedules campaigns (owners only; the API checks the role).
        campaigns.allow_scheduling(liff_api)
        # The owner's settings and refresh button ask the painter to redraw the rich menus.
        rich_menus.allow_requests_from(liff_api)
        # Outgoing events are raised by the webhook (friend.blocked) and the API (the rest); the webhook
        # also forwards LINE's requests to the shop's other LINE tool.
        for function in (webhook, liff_api):
            connect.allow_sending(function)
        # Customers' photos in chat: the webhook copies them from LINE, liff_api shows and erases them.
        images = MessageImages(self, "MessageImages")
        for function in (webhook, liff_api):
            images.allow(function)
            function.add_environment(images.settings)

        BirthMonthSchedule(
            self,
            "BirthMonthSchedule",
            target=birthday_scheduler,
            expression=context.birth_month_schedule,
            catch_up_expression=context.birth_month_catch_up_schedule,
            timezone=context.shop_timezone,
        )

        site = LiffHosting(
            self,
            "LiffHosting",
            domain_name=context.liff_domain_name,
            certificate_arn=context.liff_certificate_arn,
        )
        api = HttpApi(self, "HttpApi", allowed_origins=[site.site_url])
        api.add_routes(
            CORE_ROUTES,
            {"webhook": webhook.entry, "liff_api": liff_api.entry, "link_redirect": redirect.entry},
        )
        # Tracked links are made by the push worker and followed on the API; a bad code goes to the card.
        links.point_at(api.endpoint, f"{site.site_url}/card.html", senders=[push_worker])
        partner_api = PartnerApi(self, "PartnerApi", layer=layer, settings=settings, api=api).function
        members.grant_read_write(partner_api)
        credentials.grant_read(partner_api.role)
        # A register's purchase raises the same outgoing events as the counter's visit.
        connect.allow_sending(partner_api)
        site.publish({"apiBaseUrl": api.endpoint, "liffId": context.liff_id})

        outputs = {
            "WebhookUrl": f"{api.endpoint}/webhook",
            "ApiUrl": api.endpoint,
            "PartnerApiUrl": f"{api.endpoint}/api/v1/",
            "LiffSiteUrl": site.site_url,
            # Where `daifuku setup` writes the pages' LIFF app ids (liff-apps.json).
            "LiffSiteBucketName": site.bucket.bucket_name,
            "LiffDistributionId": site.distribution.distribution_id,
            # Where `daifuku setup` stores the LINE channel credentials (a SecureString it creates).
            "LineCredentialsParameterName": credentials.parameter_name,
            "SendQueueUrl": send_pipeline.queue.queue_url,
            "SendDlqUrl": send_pipeline.dead_letter_queue.queue_url,
            "ConnectQueueUrl": connect.queue.queue_url,
            "ConnectDlqUrl": connect.dead_letter_queue.queue_url,
            "TableName": table.table_name,
        }
        for name, value in outputs.items():
            CfnOutput(self, name, value=value)
