"""The LINE channel credentials: read from a SecureString parameter in SSM Parameter Store.

CloudFormation cannot create SecureString parameters, and the stack should not hold credentials
anyway: `daifuku setup` writes the parameter (standard tier: no charge, where a Secrets Manager
secret cost ¥60 of a small shop's ¥119 a month). The stack names it, under the stack's own path,
and lets the functions that call LINE read it and nothing else.
"""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from daifuku.adapters.line_credentials import credentials_parameter_name
from infra.nag import acknowledge


class LineCredentials(Construct):
    """The parameter's name, and read access to it (decrypted with the account's aws/ssm key)."""

    def __init__(self, scope: Construct, construct_id: str):
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.parameter_name = credentials_parameter_name(stack.stack_name)
        path = self.parameter_name.rsplit("/", 1)[0]
        self._statements = [
            iam.PolicyStatement(
                actions=["ssm:GetParameter", "ssm:GetParameters"],
                resources=[
                    stack.format_arn(service="ssm", resource="parameter", resource_name=f"{path[1:]}/*")
                ],
            ),
            # SecureString values are decrypted with the AWS managed key aws/ssm, through SSM only.
            iam.PolicyStatement(
                actions=["kms:Decrypt"],
                resources=[stack.format_arn(service="kms", resource="key", resource_name="*")],
                conditions={
                    "StringEquals": {"kms:ViaService": f"ssm.{stack.region}.amazonaws.com"},
                    "ForAnyValue:StringEquals": {"kms:ResourceAliases": "alias/aws/ssm"},
                },
            ),
        ]
        self._acknowledgments = {
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:"
            f"parameter{path}/*]": "The stack's own parameter path: daifuku setup creates the "
            "credentials parameter there (CloudFormation cannot create a SecureString).",
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:key/*]": (
                "The aws/ssm key's id differs per account; the conditions allow it only through SSM "
                "and only for that key's alias."
            ),
        }

    def grant_read(self, role: iam.IRole) -> None:
        """Let `role` read the parameter (its findings acknowledged on it, with the reasons)."""
        for statement in self._statements:
            role.add_to_principal_policy(statement)
        acknowledge(role, self._acknowledgments)
