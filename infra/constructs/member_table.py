"""The members table, built from `daifuku.table_schema.MEMBER_TABLE`, the one definition of its keys."""

from __future__ import annotations

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from daifuku.table_schema import KeyAttribute, TableDefinition
from infra.constructs.daifuku_function import DaifukuFunction
from infra.nag import acknowledge

ATTRIBUTE_TYPES = {"S": dynamodb.AttributeType.STRING, "N": dynamodb.AttributeType.NUMBER}


def _attribute(key: KeyAttribute | None) -> dynamodb.Attribute | None:
    return dynamodb.Attribute(name=key.name, type=ATTRIBUTE_TYPES[key.type]) if key else None


class MemberTable(Construct):
    """The shop's ledger: on demand, point-in-time recovery, protected from deletion and retained.

    Encrypted with the AWS managed key (aws/dynamodb): at rest like a customer managed key, visible in
    CloudTrail, and without the monthly key fee and key policy a small shop would have to look after.
    """

    def __init__(self, scope: Construct, construct_id: str, *, definition: TableDefinition):
        super().__init__(scope, construct_id)
        self.table = dynamodb.Table(
            self,
            "Table",
            partition_key=_attribute(definition.partition_key),
            sort_key=_attribute(definition.sort_key),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            deletion_protection=True,
            time_to_live_attribute=definition.ttl_attribute,
            removal_policy=RemovalPolicy.RETAIN,
        )
        for index in definition.indexes:
            self.table.add_global_secondary_index(
                index_name=index.name,
                partition_key=_attribute(index.partition_key),
                sort_key=_attribute(index.sort_key),
                projection_type=dynamodb.ProjectionType.ALL,
            )

    def grant_read_write(self, function: DaifukuFunction) -> None:
        """Let `function` read and write items, and query the indexes."""
        self.table.grant_read_write_data(function.function)
        table_logical_id = Stack.of(self).get_logical_id(self.table.node.default_child)
        acknowledge(
            function.role,
            {
                f"AwsSolutions-IAM5[Resource::<{table_logical_id}.Arn>/index/*]": "Queries through the "
                "table's own global secondary indexes; the wildcard is the index name, on this table only.",
            },
        )
