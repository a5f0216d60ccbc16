"""Given the functions' environment variables, the settings model parses them once, or refuses clearly."""

import pytest
from pydantic import ValidationError

from daifuku.settings import CampaignSchedulingSettings, SendQueueSettings, settings_as, settings_from


def test_settings_read_the_deployment_environment():
    settings = settings_from(
        {
            "DAIFUKU_TABLE_NAME": "members",
            "DAIFUKU_LINE_CREDENTIALS_PARAMETER": "/daifuku/Daifuku/line/credentials",
            "DAIFUKU_SEND_QUEUE_URL": "https://sqs/queue",
            "UNRELATED": "ignored",
        }
    )
    assert settings.table_name == "members"
    assert settings.line_api_endpoint == "https://api.line.me"
    assert settings.shop_timezone == "Asia/Tokyo"
    assert settings.send_queue_url == "https://sqs/queue"


def test_missing_table_name_is_an_error_naming_the_variable():
    with pytest.raises(ValidationError, match="DAIFUKU_TABLE_NAME"):
        settings_from({"DAIFUKU_LINE_CREDENTIALS_PARAMETER": "/daifuku/shop/line/credentials"})


def test_a_function_that_needs_the_send_queue_refuses_to_start_without_it():
    environment = {
        "DAIFUKU_TABLE_NAME": "members",
        "DAIFUKU_LINE_CREDENTIALS_PARAMETER": "/daifuku/shop/line/credentials",
    }
    assert settings_from(environment).send_queue_url is None  # the webhook does not need it
    with pytest.raises(ValidationError, match="DAIFUKU_SEND_QUEUE_URL"):
        settings_from(environment, SendQueueSettings)


def test_the_campaign_scheduling_settings_name_each_missing_variable():
    settings = settings_from(
        {
            "DAIFUKU_TABLE_NAME": "members",
            "DAIFUKU_LINE_CREDENTIALS_PARAMETER": "/daifuku/shop/line/credentials",
            "DAIFUKU_CAMPAIGN_SCHEDULE_GROUP": "g",
        }
    )
    with pytest.raises(ValidationError, match="DAIFUKU_CAMPAIGN_PLANNER_ARN") as refused:
        settings_as(settings, CampaignSchedulingSettings)
    assert "DAIFUKU_CAMPAIGN_SCHEDULER_ROLE_ARN" in str(refused.value)
