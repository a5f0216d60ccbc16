"""The LIFF pages: a private S3 bucket behind CloudFront, with the API's URL written in at deploy time."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import DefaultStackSynthesizer, Duration, RemovalPolicy, Stack
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from infra.deployment_context import LIFF_APPS_FILE
from infra.layer_build import REPO_ROOT
from infra.nag import acknowledge

LIFF_STATIC = REPO_ROOT / "liff_static"
# Not deployed: the build script, and the SDK bundle bound to the local stack's simulated user.
LOCAL_ONLY_FILES = ["build.mjs", "vendor/liff-local.js"]
# The LIFF app ids of the pages, put into the bucket by `daifuku setup` (see daifuku_cli.shop_setup).
BOOTSTRAP_QUALIFIER_CONTEXT = "@aws-cdk/core:bootstrapQualifier"
# The id CDK gives the function behind every BucketDeployment of a stack.
DEPLOYMENT_FUNCTION_ID_PREFIX = "Custom::CDKBucketDeployment"
DEPLOYMENT_LOG_RETENTION = logs.RetentionDays.ONE_MONTH
ACCESS_LOG_EXPIRY = Duration.days(90)
OLD_VERSION_EXPIRY = Duration.days(30)


class LiffHosting(Construct):
    """The bucket, the distribution, and (with `publish`) the pages and their `config.json`.

    Without a custom domain the site is on CloudFront's own *.cloudfront.net certificate.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        domain_name: str | None = None,
        certificate_arn: str | None = None,
    ):
        super().__init__(scope, construct_id)
        self._domain_name = domain_name
        self.access_logs = s3.Bucket(
            self,
            "AccessLogs",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            # CloudFront's standard logs are delivered with ACLs.
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
            lifecycle_rules=[s3.LifecycleRule(expiration=ACCESS_LOG_EXPIRY)],
        )
        self.bucket = s3.Bucket(
            self,
            "Site",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            versioned=True,
            lifecycle_rules=[s3.LifecycleRule(noncurrent_version_expiration=OLD_VERSION_EXPIRY)],
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="s3/site/",
        )
        custom_domain: dict[str, Any] = {}
        if domain_name and certificate_arn:
            custom_domain = {
                "domain_names": [domain_name],
                "certificate": acm.Certificate.from_certificate_arn(self, "Certificate", certificate_arn),
                "minimum_protocol_version": cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
            }
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment="Daifuku LIFF pages",
            default_root_object="index.html",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                response_headers_policy=cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
            ),
            # Price class 200 includes the edge locations in Japan, where the shops' customers are.
            price_class=cloudfront.PriceClass.PRICE_CLASS_200,
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            enable_logging=True,
            log_bucket=self.access_logs,
            log_file_prefix="cloudfront/",
            **custom_domain,
        )
        reasons = {
            "AwsSolutions-CFR1": "The pages are for the shop's LINE friends, who may be travelling; a geo "
            "restriction would lock them out and protects nothing the LIFF ID token does not.",
            "AwsSolutions-CFR2": "An AWS WAF web ACL and its rules cost more a month than a small shop's "
            "whole deployment (and need a second stack in us-east-1); the site is static files, and the "
            "API behind it throttles and authenticates every call.",
        }
        if not custom_domain:
            reasons["AwsSolutions-CFR4"] = (
                "No custom domain was configured, so the site uses CloudFront's default *.cloudfront.net "
                "certificate, whose minimum TLS version CloudFront fixes itself. With "
                "daifuku:liffDomainName and daifuku:liffCertificateArn the distribution uses TLSv1.2_2021."
            )
        acknowledge(self.distribution, reasons)

    @property
    def site_url(self) -> str:
        """The site's origin: the LIFF endpoint URL, and where the pages' API requests come from."""
        return f"https://{self._domain_name or self.distribution.distribution_domain_name}"

    def publish(self, site_config: Mapping[str, Any]) -> s3deploy.BucketDeployment:
        """Deploy liff_static/ and a `config.json` of `site_config`, then invalidate CloudFront's cache."""
        log_group = logs.LogGroup(
            self,
            "PagesDeploymentLogs",
            retention=DEPLOYMENT_LOG_RETENTION,
            removal_policy=RemovalPolicy.DESTROY,
        )
        # An own role for CDK's deployment function, instead of one with AWSLambdaBasicExecutionRole.
        role = iam.Role(
            self,
            "PagesDeploymentRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Daifuku: copies the LIFF pages into the site bucket",
        )
        log_group.grant_write(role)
        deployment = s3deploy.BucketDeployment(
            self,
            "Pages",
            sources=[
                s3deploy.Source.asset(str(LIFF_STATIC), exclude=LOCAL_ONLY_FILES),
                s3deploy.Source.json_data("config.json", dict(site_config)),
            ],
            destination_bucket=self.bucket,
            distribution=self.distribution,
            distribution_paths=["/*"],
            prune=True,
            # Written by `daifuku setup` once the LIFF apps exist: never overwritten or pruned here.
            exclude=[LIFF_APPS_FILE],
            memory_limit=256,
            role=role,
            log_group=log_group,
        )
        self._acknowledge_deployment_findings(role)
        return deployment

    def _acknowledge_deployment_findings(self, role: iam.IRole) -> None:
        """cdk-nag findings on the function that CDK provides to copy the pages, and on its policy."""
        stack = Stack.of(self)
        qualifier = (
            self.node.try_get_context(BOOTSTRAP_QUALIFIER_CONTEXT)
            or DefaultStackSynthesizer.DEFAULT_QUALIFIER
        )
        site_logical_id = stack.get_logical_id(self.bucket.node.default_child)
        granted_by_cdk = "BucketDeployment grants this to the role of CDK's deployment function"
        acknowledge(
            role,
            {
                **{
                    f"AwsSolutions-IAM5[Action::s3:{action}]": f"{granted_by_cdk}: {action} on the CDK "
                    "asset bucket and the site bucket only, to copy the pages in and prune old ones."
                    for action in ("GetObject*", "GetBucket*", "List*", "DeleteObject*", "Abort*")
                },
                f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-{qualifier}-assets-"
                "<AWS::AccountId>-<AWS::Region>/*]": f"{granted_by_cdk}: it reads the uploaded pages from "
                "the CDK bootstrap bucket.",
                f"AwsSolutions-IAM5[Resource::<{site_logical_id}.Arn>/*]": f"{granted_by_cdk}: it writes and "
                "prunes the objects of the site bucket.",
                "AwsSolutions-IAM5[Resource::*]": f"{granted_by_cdk}: cloudfront:CreateInvalidation and "
                "GetInvalidation, on every distribution as CDK writes it, to refresh the cached pages.",
            },
        )
        # The function itself is a singleton of the stack, not a child of this construct.
        reason = "CDK's own BucketDeployment function: CDK picks and updates its runtime."
        for child in stack.node.children:
            if child.node.id.startswith(DEPLOYMENT_FUNCTION_ID_PREFIX):
                acknowledge(child, {"AwsSolutions-L1": reason})
