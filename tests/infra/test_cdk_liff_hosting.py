"""The LIFF pages: a private bucket behind CloudFront, and the API URL written in at deploy time."""

from __future__ import annotations

import json
import re
from pathlib import Path

from aws_cdk import App, Stack
from aws_cdk.assertions import Template
from infra_synthesis import Synthesized, actions

from infra.constructs.liff_hosting import LiffHosting

SECURITY_HEADERS_POLICY = "67f7725c-6f97-4210-82d7-5512b31e9d03"  # CloudFront's managed SecurityHeadersPolicy
CERTIFICATE_ARN = "arn:aws:acm:us-east-1:111111111111:certificate/00000000-0000-0000-0000-000000000000"


def site_bucket(synthesized: Synthesized) -> tuple[str, dict]:
    _, distribution = synthesized.only("AWS::CloudFront::Distribution")
    origin = distribution["Properties"]["DistributionConfig"]["Origins"][0]
    bucket_id = origin["DomainName"]["Fn::GetAtt"][0]
    return bucket_id, synthesized.resources[bucket_id]


def bucket_policy(synthesized: Synthesized, bucket_id: str) -> list[dict]:
    return [
        statement
        for policy in synthesized.of_type("AWS::S3::BucketPolicy").values()
        if policy["Properties"]["Bucket"] == {"Ref": bucket_id}
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def test_every_bucket_is_private_encrypted_and_refuses_plain_http(synthesized: Synthesized) -> None:
    buckets = synthesized.of_type("AWS::S3::Bucket")
    assert len(buckets) == 3  # the site, its access logs and the photos customers send in chat
    for bucket_id, bucket in buckets.items():
        properties = bucket["Properties"]
        assert properties["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }, bucket_id
        encryption = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert encryption == [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}], bucket_id
        assert any(
            statement["Effect"] == "Deny"
            and statement.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
            for statement in bucket_policy(synthesized, bucket_id)
        ), f"{bucket_id} accepts requests without TLS"


def test_site_bucket_is_versioned_and_logged(synthesized: Synthesized) -> None:
    _, bucket = site_bucket(synthesized)
    assert bucket["Properties"]["VersioningConfiguration"] == {"Status": "Enabled"}
    assert "DestinationBucketName" in bucket["Properties"]["LoggingConfiguration"]


def test_only_this_distribution_may_read_the_site_bucket(synthesized: Synthesized) -> None:
    bucket_id, _ = site_bucket(synthesized)
    distribution_id, _ = synthesized.only("AWS::CloudFront::Distribution")
    allowed = [s for s in bucket_policy(synthesized, bucket_id) if s["Effect"] == "Allow"]
    assert [actions(statement) for statement in allowed] == [["s3:GetObject"]]
    assert allowed[0]["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    source_arn = json.dumps(allowed[0]["Condition"]["StringEquals"]["AWS:SourceArn"])
    assert distribution_id in source_arn


def test_cloudfront_serves_https_through_origin_access_control(synthesized: Synthesized) -> None:
    _, distribution = synthesized.only("AWS::CloudFront::Distribution")
    config = distribution["Properties"]["DistributionConfig"]
    behavior = config["DefaultCacheBehavior"]
    assert behavior["ViewerProtocolPolicy"] == "redirect-to-https"
    assert behavior["ResponseHeadersPolicyId"] == SECURITY_HEADERS_POLICY
    assert config["DefaultRootObject"] == "index.html"
    assert "Bucket" in config["Logging"]

    oac_id, oac = synthesized.only("AWS::CloudFront::OriginAccessControl")
    origin = config["Origins"][0]
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": [oac_id, "Id"]}
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}  # no legacy OAI
    assert oac["Properties"]["OriginAccessControlConfig"]["SigningBehavior"] == "always"


def test_pages_get_the_api_url_at_deploy_time(synthesized: Synthesized) -> None:
    # Given the deployment of the pages
    _, deployment = synthesized.only("Custom::CDKBucketDeployment")
    api_id, _ = synthesized.only("AWS::ApiGatewayV2::Api")
    keys = deployment["Properties"]["SourceObjectKeys"]
    markers = deployment["Properties"]["SourceMarkers"]

    # Then config.json is a source whose apiBaseUrl is filled in with the API's endpoint
    config_source = next(
        synthesized.outdir / f"asset.{key.removesuffix('.zip')}" / "config.json"
        for key in keys
        if (synthesized.outdir / f"asset.{key.removesuffix('.zip')}" / "config.json").exists()
    )
    # The deployment replaces each marker with its value, a JSON string, before it writes config.json.
    text = config_source.read_text()
    (marker,) = re.findall(r"<<marker:0x[0-9a-f]+:\d+>>", text)
    config = json.loads(text.replace(marker, '"filled in at deploy time"'))
    assert set(config) == {"apiBaseUrl", "liffId"}
    assert config["apiBaseUrl"] == "filled in at deploy time"
    value = next(source[marker] for source in markers if marker in source)
    assert {"Fn::GetAtt": [api_id, "ApiEndpoint"]} in value["Fn::Join"][1]


def test_the_liff_app_ids_setup_writes_survive_every_deploy(synthesized: Synthesized) -> None:
    # Given the pages' deployment, which prunes what is not in its sources
    _, deployment = synthesized.only("Custom::CDKBucketDeployment")
    # Then it neither writes nor prunes the file `daifuku setup` puts into the bucket
    assert deployment["Properties"]["Exclude"] == ["liff-apps.json"]
    assert deployment["Properties"]["Prune"] is True
    # And the operator commands find the bucket and the distribution in the outputs
    site_id, _ = site_bucket(synthesized)
    distribution_id, _ = synthesized.only("AWS::CloudFront::Distribution")
    outputs = synthesized.template_json["Outputs"]
    assert outputs["LiffSiteBucketName"]["Value"] == {"Ref": site_id}
    assert outputs["LiffDistributionId"]["Value"] == {"Ref": distribution_id}


def test_local_only_files_are_not_deployed(synthesized: Synthesized) -> None:
    _, deployment = synthesized.only("Custom::CDKBucketDeployment")
    staged = [
        synthesized.outdir / f"asset.{k.removesuffix('.zip')}"
        for k in deployment["Properties"]["SourceObjectKeys"]
    ]
    site = next(path for path in staged if (path / "index.html").exists())
    assert not (site / "vendor" / "liff-local.js").exists()
    assert not (site / "build.mjs").exists()
    assert (site / "js").is_dir()


def test_custom_domain_uses_its_certificate_with_tls_1_2(tmp_path: Path) -> None:
    # Given a shop with its own domain and certificate
    stack = Stack(App(outdir=str(tmp_path)), "Hosting")
    LiffHosting(stack, "LiffHosting", domain_name="members.example.jp", certificate_arn=CERTIFICATE_ARN)

    # Then the distribution answers on that domain with TLS 1.2 at least
    config = next(iter(Template.from_stack(stack).find_resources("AWS::CloudFront::Distribution").values()))[
        "Properties"
    ]["DistributionConfig"]
    assert config["Aliases"] == ["members.example.jp"]
    assert config["ViewerCertificate"] == {
        "AcmCertificateArn": CERTIFICATE_ARN,
        "MinimumProtocolVersion": "TLSv1.2_2021",
        "SslSupportMethod": "sni-only",
    }
