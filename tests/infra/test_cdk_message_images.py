"""The private bucket of customers' photos: closed to the public, and each photo deleted when its
message expires, whichever retention the owner chose."""

from __future__ import annotations

from infra_synthesis import Synthesized

from daifuku.adapters.message_images import RETENTION_TAG
from daifuku.models.conversations import RETENTION_CHOICES


def images_bucket(synthesized: Synthesized) -> dict:
    buckets = {
        name: bucket
        for name, bucket in synthesized.of_type("AWS::S3::Bucket").items()
        if name.startswith("MessageImages")
    }
    [bucket] = buckets.values()
    return bucket


def test_the_photos_bucket_is_private_and_unversioned(synthesized: Synthesized) -> None:
    properties = images_bucket(synthesized)["Properties"]
    assert properties["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert "VersioningConfiguration" not in properties  # a deleted photo is gone


def test_each_retention_the_owner_can_choose_has_its_lifecycle_rule(synthesized: Synthesized) -> None:
    rules = images_bucket(synthesized)["Properties"]["LifecycleConfiguration"]["Rules"]
    by_tag = {
        rule["TagFilters"][0]["Value"]: rule["ExpirationInDays"]
        for rule in rules
        if rule.get("TagFilters") and rule["TagFilters"][0]["Key"] == RETENTION_TAG
    }
    assert by_tag == {str(days): days for days in RETENTION_CHOICES}


def test_the_webhook_and_liff_api_know_the_bucket(synthesized: Synthesized) -> None:
    [bucket_id] = [
        name for name in synthesized.of_type("AWS::S3::Bucket") if name.startswith("MessageImages")
    ]
    knowing = {
        name: function["Properties"]["Environment"]["Variables"]["DAIFUKU_MESSAGE_IMAGES_BUCKET"]
        for name, (_, function) in synthesized.daifuku_functions().items()
        if "DAIFUKU_MESSAGE_IMAGES_BUCKET" in function["Properties"]["Environment"]["Variables"]
    }
    assert knowing == {"webhook": {"Ref": bucket_id}, "liff_api": {"Ref": bucket_id}}
