"""The LINE channel credentials: one Secrets Manager secret that the operator fills in after deploying."""

from __future__ import annotations

import json

from aws_cdk import aws_iam as iam
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from daifuku.adapters.line_credentials import LineCredentials as LineCredentialsDocument
from infra.nag import acknowledge

# Generated at deploy time, so the placeholder is a channel secret nobody knows: until the operator puts
# the real one in, no one can sign a webhook request that the webhook function would accept.
GENERATED_FIELD = "channel_secret"


class LineCredentials(Construct):
    """A secret shaped like the adapter's `LineCredentials` model, with no value in the template."""

    def __init__(self, scope: Construct, construct_id: str):
        super().__init__(scope, construct_id)
        other_fields = [name for name in LineCredentialsDocument.model_fields if name != GENERATED_FIELD]
        self.secret = secretsmanager.Secret(
            self,
            "Secret",
            description="Daifuku: LINE channel credentials (channel_secret, channel_access_token, "
            "login_channel_id). Put the real values in after the first deploy.",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template=json.dumps(dict.fromkeys(other_fields, "")),
                generate_string_key=GENERATED_FIELD,
                exclude_punctuation=True,
                password_length=32,
            ),
        )
        acknowledge(
            self.secret,
            {
                "AwsSolutions-SMG4": "LINE issues and rotates these credentials in the LINE Developers "
                "console; a rotation Lambda cannot, so the operator puts the new values in by hand.",
            },
        )

    def grant_read(self, grantee: iam.IGrantable) -> None:
        self.secret.grant_read(grantee)
