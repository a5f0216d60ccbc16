"""What the planner puts on the send queue for the push worker."""

from pydantic import BaseModel, ConfigDict, Field


class SendJob(BaseModel):
    """One batch of recipients of one campaign: a multicast of up to 500, or a single push."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    campaign_id: str = Field(min_length=1)
    batch_id: str = Field(min_length=1)
    user_ids: list[str] = Field(min_length=1, max_length=500)
