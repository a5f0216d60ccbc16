"""The private bucket of the photos customers send in chat (conversations).

Private (no public access, TLS only, S3-managed encryption), never versioned, so a deleted photo is
gone. Objects carry a `retention-days` tag (daifuku.adapters.message_images); one lifecycle rule per
retention the owner can choose deletes each photo when its message expires from the table
(DynamoDB TTL). The webhook writes, liff_api reads (presigned URLs) and deletes (a customer's erasure).
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from daifuku.adapters.message_images import IMAGES_PREFIX, RETENTION_TAG
from daifuku.models.conversations import RETENTION_CHOICES
from infra.constructs.daifuku_function import DaifukuFunction
from infra.nag import acknowledge


class MessageImages(Construct):
    def __init__(self, scope: Construct, construct_id: str):
        super().__init__(scope, construct_id)
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            removal_policy=RemovalPolicy.RETAIN,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id=f"expire-after-{days}-days",
                    tag_filters={RETENTION_TAG: str(days)},
                    expiration=Duration.days(days),
                )
                for days in RETENTION_CHOICES
            ]
            + [
                s3.LifecycleRule(
                    id="abort-incomplete-uploads", abort_incomplete_multipart_upload_after=Duration.days(1)
                )
            ],
        )
        acknowledge(
            self.bucket,
            {
                "AwsSolutions-S1": "Access logs would keep who viewed customers' photos past the photos' own "
                "retention; the functions' logs record each access without the content."
            },
        )

    @property
    def settings(self) -> dict[str, str]:
        """The functions' setting naming the bucket."""
        return {"message_images_bucket": self.bucket.bucket_name}

    def allow(self, function: DaifukuFunction) -> None:
        """Put, read and delete the photos under messages/ (the webhook copies them in; liff_api shows
        and erases them), and list that folder (a customer's erasure lists theirs)."""
        role = function.function.role
        assert role is not None
        objects = self.bucket.arn_for_objects(f"{IMAGES_PREFIX}*")
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["s3:PutObject", "s3:PutObjectTagging", "s3:GetObject", "s3:DeleteObject"],
                resources=[objects],
            )
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["s3:ListBucket"],
                resources=[self.bucket.bucket_arn],
                conditions={"StringLike": {"s3:prefix": [f"{IMAGES_PREFIX}*"]}},
            )
        )
        stack = Stack.of(self)
        bucket_id = stack.resolve(stack.get_logical_id(self.bucket.node.default_child))  # type: ignore[arg-type]
        acknowledge(
            role,
            {
                f"AwsSolutions-IAM5[Resource::<{bucket_id}.Arn>/{IMAGES_PREFIX}*]": (
                    "Each photo is its own object, named when it arrives: the functions need every "
                    "object under messages/ in the private photos bucket, and nothing else."
                )
            },
        )
