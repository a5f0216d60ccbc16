"""A Daifuku Lambda function: one directory of functions/, the shared layer, and the house defaults."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import AssetHashType, BundlingOptions, Duration, ILocalBundling, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from daifuku.settings import Settings
from infra.deployment_context import DeploymentContext
from infra.function_build import FUNCTIONS_ROOT, function_fingerprint, package_function
from infra.function_memory import FUNCTION_MEMORY_MB
from infra.nag import acknowledge

RUNTIME = lambda_.Runtime.PYTHON_3_13
ARCHITECTURE = lambda_.Architecture.ARM_64
LOG_RETENTION = logs.RetentionDays.ONE_MONTH
METRICS_NAMESPACE = "Daifuku"
# The request path answers LINE and the LIFF pages within seconds; longer work goes through SQS.
DEFAULT_TIMEOUT = Duration.seconds(10)
# The alias the HTTP API invokes when SnapStart is on (SnapStart applies to published versions only).
LIVE_ALIAS = "live"


@jsii.implements(ILocalBundling)
class FunctionBundler:
    """CDK local bundling for one function directory: a copy with bytecode, no Docker."""

    def __init__(self, name: str):
        self._name = name

    def try_bundle(self, output_dir: str, options: Any) -> bool:
        package_function(self._name, Path(output_dir))
        return True


def settings_environment(settings: Mapping[str, str]) -> dict[str, str]:
    """Environment variables for `daifuku.settings.Settings` fields, named by the model's own aliases."""
    environment = {}
    for field_name, value in settings.items():
        field = Settings.model_fields.get(field_name)
        if field is None or field.alias is None:
            raise KeyError(f"{field_name!r} is not a field of daifuku.settings.Settings")
        environment[field.alias] = value
    return environment


class DaifukuFunction(Construct):
    """`functions/<name>` on ARM64 Python 3.13 with the shared layer, its own log group, tracing as
    `daifuku:tracing` says and the memory bench/cost.py chose (infra/function_memory.py).

    The role starts with write access to the function's own log group only: the grants each function
    needs (table, credentials, queue) are made by the stack, so every permission is visible there.
    With `snap_start`, each deployment publishes a version with SnapStart and moves the `live` alias to
    it; `entry` is what callers invoke (the alias then, else the function).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        description: str,
        layer: lambda_.ILayerVersion,
        settings: Mapping[str, str],
        extra_layers: Sequence[lambda_.ILayerVersion] = (),
        timeout: Duration | None = None,
        memory_size: int | None = None,
        handler_module: str = "handler",
        snap_start: bool = False,
    ):
        super().__init__(scope, construct_id)
        self.name = name
        qualified_name = name if handler_module == "handler" else f"{name}.{handler_module}"
        tracing = DeploymentContext.from_node(self.node).tracing
        self.log_group = logs.LogGroup(
            self, "LogGroup", retention=LOG_RETENTION, removal_policy=RemovalPolicy.DESTROY
        )
        # An own role rather than AWSLambdaBasicExecutionRole, whose log permissions cover every log group.
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Daifuku {name} function",
        )
        self.log_group.grant_write(self.role)
        self.function = lambda_.Function(
            self,
            "Function",
            description=description,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            # A directory may hold more than one entry point (segment_send: the worker and the planner).
            handler=f"functions.{name}.{handler_module}.handler",
            code=lambda_.Code.from_asset(
                str(FUNCTIONS_ROOT / name),
                exclude=["__pycache__", "*.pyc"],
                asset_hash_type=AssetHashType.CUSTOM,
                asset_hash=function_fingerprint(name),
                bundling=BundlingOptions(
                    image=RUNTIME.bundling_image,
                    local=FunctionBundler(name),
                ),
            ),
            layers=[layer, *extra_layers],
            role=self.role,
            timeout=timeout or DEFAULT_TIMEOUT,
            memory_size=memory_size or FUNCTION_MEMORY_MB[qualified_name],
            tracing=lambda_.Tracing.ACTIVE if tracing == "Active" else lambda_.Tracing.PASS_THROUGH,
            snap_start=lambda_.SnapStartConf.ON_PUBLISHED_VERSIONS if snap_start else None,
            log_group=self.log_group,
            environment={
                "POWERTOOLS_SERVICE_NAME": name if handler_module == "handler" else handler_module,
                "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
                # Untraced, Powertools' Tracer leaves botocore unpatched.
                **({} if tracing == "Active" else {"POWERTOOLS_TRACE_DISABLED": "true"}),
                **settings_environment(settings),
            },
        )
        self.entry: lambda_.IFunction = self.function
        if snap_start:
            self.entry = lambda_.Alias(
                self, "Live", alias_name=LIVE_ALIAS, version=self.function.current_version
            )
        acknowledge(
            self,
            {
                "AwsSolutions-L1": "Python 3.13 on purpose: line-bot-sdk v3 still imports pydantic.v1, "
                "which Python 3.14 does not support.",
                "AwsSolutions-IAM5[Resource::*]": "X-Ray active tracing: xray:PutTraceSegments and "
                "xray:PutTelemetryRecords take no resource-level permissions.",
            },
        )

    def add_environment(self, settings: Mapping[str, str]) -> None:
        """Add `daifuku.settings.Settings` fields to the function's environment."""
        for key, value in settings_environment(settings).items():
            self.function.add_environment(key, value)
