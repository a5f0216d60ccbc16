"""The data the shop keeps: the members table and the LINE credentials secret."""

from __future__ import annotations

from aws_cdk.assertions import Match, Template
from infra_synthesis import Synthesized, template_text, walk

from daifuku.table_schema import MEMBER_TABLE
from daifuku_local.aws_resources import LocalChannel


def test_member_table_survives_mistakes(template: Template) -> None:
    template.has_resource(
        "AWS::DynamoDB::Table",
        {
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": Match.object_like(
                {
                    "BillingMode": "PAY_PER_REQUEST",
                    "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
                    "DeletionProtectionEnabled": True,
                    "SSESpecification": {"SSEEnabled": True},
                }
            ),
        },
    )


def test_member_table_has_the_ttl_and_indexes_of_the_schema(synthesized: Synthesized) -> None:
    _, table = synthesized.only("AWS::DynamoDB::Table")
    properties = table["Properties"]
    assert properties["TimeToLiveSpecification"] == {
        "AttributeName": MEMBER_TABLE.ttl_attribute,
        "Enabled": True,
    }
    indexes = {index["IndexName"]: index for index in properties["GlobalSecondaryIndexes"]}
    assert list(indexes) == [index.name for index in MEMBER_TABLE.indexes]
    assert all(index["Projection"] == {"ProjectionType": "ALL"} for index in indexes.values())


def test_line_credentials_are_no_resource_and_never_in_the_template(
    synthesized: Synthesized,
) -> None:
    # The credentials live in a SecureString parameter that `daifuku setup` writes: the stack has no
    # secret and no parameter of its own (CloudFormation cannot create a SecureString)
    assert synthesized.of_type("AWS::SecretsManager::Secret") == {}
    assert synthesized.of_type("AWS::SSM::Parameter") == {}

    # No resource or output carries a secret value: no SecretString, and none of the made-up
    # credentials that the local stack and the tests use.
    assert "SecretString" not in [key for key, _ in walk(synthesized.template_json)]
    text = template_text(synthesized)
    for made_up in LocalChannel().model_dump().values():
        assert made_up not in text
