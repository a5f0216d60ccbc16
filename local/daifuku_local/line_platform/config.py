"""The simulated channel's settings: credentials, rate limits, the monthly quota and injected faults."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class FaultConfig(BaseModel):
    """Injected failures, as fractions of the requests to `endpoints` (names such as push, multicast)."""

    model_config = ConfigDict(extra="forbid")

    rate_429: float = Field(default=0, ge=0, le=1)
    rate_500: float = Field(default=0, ge=0, le=1)
    rate_timeout: float = Field(default=0, ge=0, le=1)
    rate_drop: float = Field(default=0, ge=0, le=1)
    # A timed-out or dropped request may still have been accepted by LINE: this fraction of them is.
    accepted_before_failure: float = Field(default=0.5, ge=0, le=1)
    slow_seconds: float = Field(default=6, ge=0)
    endpoints: list[str] = Field(default_factory=lambda: ["push", "multicast", "reply"])
    seed: int | None = None


class SimulatorConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel_secret: str
    channel_access_token: str
    login_channel_id: str
    # The LINE Login channel's secret: it issues the channel access tokens the LIFF server API takes.
    login_channel_secret: str = "local-login-channel-secret"
    bot_user_id: str = "U" + "d" * 32
    webhook_url: str | None = None
    seed: int = 7
    # Requests per second per endpoint; LINE's published limits by default.
    rate_limits: dict[str, float] = Field(
        default_factory=lambda: {
            "push": 2000,
            "multicast": 200,
            "reply": 2000,
            "profile": 2000,
            "richmenu": 100,
        }
    )
    monthly_quota: int | None = 5000
    faults: FaultConfig = Field(default_factory=FaultConfig)
