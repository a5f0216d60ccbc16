"""The Lambda functions as deployed: runtime, architecture, tracing, logs, layer and settings."""

from __future__ import annotations

from pathlib import Path

from infra_synthesis import Synthesized, synthesize

from daifuku.settings import Settings
from infra.app import cdk_json_context
from infra.function_build import FUNCTIONS_ROOT
from infra.function_memory import FUNCTION_MEMORY_MB, MEMORY_CHOICES_MB

POWERTOOLS_VARIABLES = {
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_METRICS_NAMESPACE",
    "POWERTOOLS_TRACE_DISABLED",
}
SETTINGS_VARIABLES = {field.alias for field in Settings.model_fields.values()}


def test_every_function_directory_is_deployed_once(synthesized: Synthesized) -> None:
    # Given the entry points of the repository: functions/<name>/handler.py, plus the campaign planner
    entry_points = {path.parent.name for path in FUNCTIONS_ROOT.glob("*/handler.py")}
    entry_points.add("segment_send.planner")

    # Then each is one Lambda function, imported as the local runtime imports it
    assert set(synthesized.daifuku_functions()) == entry_points
    for name, (_, function) in synthesized.daifuku_functions().items():
        module = name if "." in name else f"{name}.handler"
        assert function["Properties"]["Handler"] == f"functions.{module}.handler"


def test_functions_run_python_313_on_arm64_with_the_measured_memory(synthesized: Synthesized) -> None:
    for name, (_, function) in synthesized.daifuku_functions().items():
        properties = function["Properties"]
        assert properties["Runtime"] == "python3.13", name
        assert properties["Architectures"] == ["arm64"], name
        # bench/cost.py's choice (latency x cost), one of the sizes it measures
        assert properties["MemorySize"] == FUNCTION_MEMORY_MB[name] in MEMORY_CHOICES_MB, name


def test_tracing_is_off_by_default_and_on_when_the_shop_asks(
    synthesized: Synthesized, tmp_path: Path
) -> None:
    # By default no function is traced by Lambda (no X-Ray charge), and Powertools does not patch botocore
    for name, (_, function) in synthesized.daifuku_functions().items():
        assert function["Properties"]["TracingConfig"] == {"Mode": "PassThrough"}, name
        assert function["Properties"]["Environment"]["Variables"]["POWERTOOLS_TRACE_DISABLED"] == "true"
    # With daifuku:tracing=Active, every function is actively traced, with Powertools' Tracer on
    traced = synthesize(tmp_path, {"daifuku:tracing": "Active"})
    for name, (_, function) in traced.daifuku_functions().items():
        assert function["Properties"]["TracingConfig"] == {"Mode": "Active"}, name
        assert "POWERTOOLS_TRACE_DISABLED" not in function["Properties"]["Environment"]["Variables"]


def test_functions_run_with_the_shared_layer(synthesized: Synthesized) -> None:
    layer_sets = [
        {reference["Ref"] for reference in function["Properties"]["Layers"]}
        for _, function in synthesized.daifuku_functions().values()
    ]
    (shared,) = set.intersection(*layer_sets)  # the one layer every function runs with
    layer = synthesized.resources[shared]
    assert layer["Type"] == "AWS::Lambda::LayerVersion"
    assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.13"]
    # Only the rich menu painter has a second layer: Pillow and the font stay off the request path
    with_more = {
        name for name, (_, f) in synthesized.daifuku_functions().items() if len(f["Properties"]["Layers"]) > 1
    }
    assert with_more == {"rich_menu_painter"}


def test_every_lambda_function_logs_to_its_own_log_group_with_retention(synthesized: Synthesized) -> None:
    # CDK's own BucketDeployment handler included: no log group is left to grow forever.
    log_groups = synthesized.of_type("AWS::Logs::LogGroup")
    used = []
    for logical_id, function in synthesized.of_type("AWS::Lambda::Function").items():
        reference = function["Properties"].get("LoggingConfig", {}).get("LogGroup")
        assert reference is not None, f"{logical_id} logs to Lambda's default log group"
        log_group_id = reference["Ref"]
        assert log_groups[log_group_id]["Properties"]["RetentionInDays"] > 0, logical_id
        used.append(log_group_id)
    assert len(used) == len(set(used)), "functions share a log group"


def test_functions_get_powertools_and_settings_variables_only(synthesized: Synthesized) -> None:
    table_id, _ = synthesized.only("AWS::DynamoDB::Table")
    for name, (_, function) in synthesized.daifuku_functions().items():
        variables = function["Properties"]["Environment"]["Variables"]
        # Every variable is one the functions read: Powertools' own, or a field of the settings model.
        assert set(variables) <= POWERTOOLS_VARIABLES | SETTINGS_VARIABLES, name
        assert variables["POWERTOOLS_SERVICE_NAME"] == name.split(".")[-1]
        assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "Daifuku"
        assert variables["DAIFUKU_TABLE_NAME"] == {"Ref": table_id}
        # The credentials parameter's name, under the stack's own path, never a credential.
        assert variables["DAIFUKU_LINE_CREDENTIALS_PARAMETER"] == "/daifuku/Daifuku/line/credentials"
        assert variables["DAIFUKU_SHOP_TIMEZONE"] == cdk_json_context()["daifuku:shopTimezone"]


def test_only_the_planner_and_the_worker_are_told_where_the_send_queue_is(synthesized: Synthesized) -> None:
    queue_id = next(
        logical_id
        for logical_id, queue in synthesized.of_type("AWS::SQS::Queue").items()
        if "RedrivePolicy" in queue["Properties"]
    )
    functions = synthesized.daifuku_functions()
    told = {
        name
        for name, (_, function) in functions.items()
        if "DAIFUKU_SEND_QUEUE_URL" in function["Properties"]["Environment"]["Variables"]
    }
    # The planners and the scenario schedule put batches on the queue; the worker shortens a throttled
    # batch's visibility timeout.
    assert told == {"birthday_scheduler", "segment_send.planner", "segment_send", "scenario_scheduler"}
    for name in told:
        variables = functions[name][1]["Properties"]["Environment"]["Variables"]
        assert variables["DAIFUKU_SEND_QUEUE_URL"] == {"Ref": queue_id}


def test_liff_api_waits_for_the_painter_within_what_the_http_api_waits(synthesized: Synthesized) -> None:
    # The owner's own rich menu is published in the request (a synchronous invoke of the painter),
    # and API Gateway's HTTP API gives an integration 30 seconds at most.
    timeouts = {name: f["Properties"]["Timeout"] for name, (_, f) in synthesized.daifuku_functions().items()}
    assert 20 <= timeouts["liff_api"] < 30
    assert timeouts["webhook"] == 10, "the webhook answers LINE within seconds"
