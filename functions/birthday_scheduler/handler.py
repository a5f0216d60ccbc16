"""The monthly birth-month campaign, started by an EventBridge Scheduler schedule."""

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from daifuku.domain.birth_month import birth_month_campaign_period
from daifuku.models.schedule_events import BirthMonthTrigger
from daifuku.settings import current_settings

logger = Logger(service="birthday_scheduler")
tracer = Tracer(service="birthday_scheduler")
metrics = Metrics(namespace="Daifuku", service="birthday_scheduler")


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict, context: LambdaContext) -> dict:
    trigger = BirthMonthTrigger.model_validate(event)
    period = birth_month_campaign_period(trigger.fired_at, current_settings().shop_timezone)
    logger.info("birth-month campaign due", extra={"year_month": period})
    return {"year_month": period}
