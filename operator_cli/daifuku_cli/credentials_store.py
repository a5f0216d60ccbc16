"""Where `daifuku setup` keeps the LINE channel credentials: one SecureString parameter in SSM
Parameter Store (standard tier, no charge), which the functions read.

CloudFormation cannot create SecureString parameters, so the stack only grants read on the parameter
and setup creates it. A shop deployed before the move kept the credentials in a Secrets Manager secret
(the `LineSecretArn` output): `read_stored` falls back to it, so `daifuku setup --stored-credentials`
and `daifuku deploy` carry the credentials over to the parameter before the new stack deletes the
secret (see `migrate_legacy_secret`).
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

PARAMETER_TYPE = "SecureString"
# The channel access token is ~170 characters: a standard parameter (4 KB, free) holds the document.
PARAMETER_TIER = "Standard"


class CredentialsParameter:
    """The credentials document in its parameter, read decrypted and written as a SecureString."""

    def __init__(self, ssm: Any, name: str, legacy_secrets: Any = None, legacy_secret_id: str | None = None):
        self._ssm = ssm
        self.name = name
        self._legacy_secrets = legacy_secrets
        self._legacy_secret_id = legacy_secret_id

    def read(self) -> dict[str, Any] | None:
        """The stored document, or None when setup has not stored one yet."""
        try:
            value = self._ssm.get_parameter(Name=self.name, WithDecryption=True)["Parameter"]["Value"]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ParameterNotFound":
                return None
            raise
        document: dict[str, Any] = json.loads(value)
        return document

    def read_legacy(self) -> dict[str, Any] | None:
        """The document in the Secrets Manager secret of a stack deployed before the move, if any."""
        if self._legacy_secrets is None or not self._legacy_secret_id:
            return None
        try:
            value = self._legacy_secrets.get_secret_value(SecretId=self._legacy_secret_id)["SecretString"]
        except ClientError:
            return None  # deleted with the old stack's resources, or never filled in
        document: dict[str, Any] = json.loads(value)
        return document if document.get("channel_access_token") else None

    def read_stored(self) -> dict[str, Any] | None:
        """The parameter's document, else the old secret's (a shop upgrading from it)."""
        return self.read() or self.read_legacy()

    def write(self, document: dict[str, Any]) -> None:
        self._ssm.put_parameter(
            Name=self.name,
            Value=json.dumps(document),
            Type=PARAMETER_TYPE,
            Tier=PARAMETER_TIER,
            Overwrite=True,
            Description="Daifuku: LINE channel credentials (written by daifuku setup)",
        )


def migrate_legacy_secret(parameter: CredentialsParameter) -> bool:
    """Copy the old secret's credentials into the parameter when the parameter has none; True if it did."""
    if parameter.read() is not None:
        return False
    legacy = parameter.read_legacy()
    if legacy is None:
        return False
    parameter.write(legacy)
    return True
