"""LINE channel credentials: one SecureString parameter in SSM Parameter Store (standard tier, free),
read through Powertools' parameters utility and cached.

The parameter holds the JSON document below; `daifuku setup` writes it (CloudFormation cannot create
SecureString parameters). One document rather than a parameter per field, so that setup replaces the
channel secret and the access token together and a function never reads one new and one old.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, SecretStr

CREDENTIALS_CACHE_SECONDS = 300


class LineCredentials(BaseModel):
    """The JSON document stored in the LINE credentials parameter."""

    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)

    channel_secret: SecretStr
    channel_access_token: SecretStr
    login_channel_id: str


def credentials_parameter_name(prefix: str) -> str:
    """The parameter of one Daifuku installation (a deployed stack's name, or the local stack's
    prefix): under its own path, which is all the functions may read."""
    return f"/daifuku/{prefix}/line/credentials"


class LineCredentialsStore:
    """Reads the credentials parameter (decrypted) at most once per cache period per container,
    through an SSM client of the session the wiring shares."""

    def __init__(self, parameter_name: str, session: Any = None):
        self._parameter_name = parameter_name
        self._session = session
        self._provider: Any = None

    def load(self) -> LineCredentials:
        from aws_lambda_powertools.utilities.parameters import SSMProvider

        if self._provider is None:
            self._provider = SSMProvider(boto3_session=self._session)
        document = self._provider.get(
            self._parameter_name, decrypt=True, transform="json", max_age=CREDENTIALS_CACHE_SECONDS
        )
        return LineCredentials.model_validate(document)
