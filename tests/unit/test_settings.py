"""Given the functions' environment variables, the settings model parses them once, or refuses clearly."""

import pytest
from pydantic import ValidationError

from daifuku.settings import settings_from


def test_settings_read_the_deployment_environment():
    settings = settings_from(
        {
            "DAIFUKU_TABLE_NAME": "members",
            "DAIFUKU_LINE_SECRET_ID": "arn:aws:secretsmanager:ap-northeast-1:1:secret:line",
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
        settings_from({"DAIFUKU_LINE_SECRET_ID": "line"})
