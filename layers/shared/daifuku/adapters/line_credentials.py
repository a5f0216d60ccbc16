"""LINE channel credentials, read from Secrets Manager through Powertools parameters and cached."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, SecretStr

CREDENTIALS_CACHE_SECONDS = 300


class LineCredentials(BaseModel):
    """The JSON document stored in the LINE credentials secret."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    channel_secret: SecretStr
    channel_access_token: SecretStr
    login_channel_id: str


def load_line_credentials(secret_id: str) -> LineCredentials:
    """The channel credentials, fetched at most once per cache period per container."""
    from aws_lambda_powertools.utilities import parameters

    document = parameters.get_secret(secret_id, transform="json", max_age=CREDENTIALS_CACHE_SECONDS)
    return LineCredentials.model_validate(document)
