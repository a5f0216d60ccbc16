"""The rich menu painter: a function with its own layer (Pillow, the drawing package, a Japanese
font) that redraws and relinks the shop's rich menus when another function asks (async invoke)."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.constructs.daifuku_function import DaifukuFunction
from infra.constructs.shared_layer import locally_built_layer
from infra.drawing_layer_build import DRAWING_PACKAGE, build_drawing_layer, drawing_layer_fingerprint

# Drawing two 2500×843 images and a dozen LINE calls: seconds, with room for LINE's slow moments.
PAINTER_TIMEOUT = Duration.minutes(2)


class RichMenuPainter(Construct):
    """The painter function and its layer; `allow_requests_from` lets a function ask for a repaint."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        layer: lambda_.ILayerVersion,
        settings: Mapping[str, str],
    ):
        super().__init__(scope, construct_id)
        drawing_layer = locally_built_layer(
            self,
            "DrawingLayer",
            description="Daifuku rich menu drawing: Pillow, the drawing package, Noto Sans CJK (OFL)",
            source=DRAWING_PACKAGE.parent,
            fingerprint=drawing_layer_fingerprint(),
            build=build_drawing_layer,
        )
        self.painter = DaifukuFunction(
            self,
            "Painter",
            name="rich_menu_painter",
            description="Daifuku: redraws and relinks the rich menus when the shop's settings change",
            layer=layer,
            extra_layers=[drawing_layer],
            settings=settings,
            timeout=PAINTER_TIMEOUT,
        )
        # A request is worth little after an hour (a newer one will have followed); two retries.
        self.painter.function.configure_async_invoke(max_event_age=Duration.hours(1), retry_attempts=2)

    def allow_requests_from(self, function: DaifukuFunction) -> None:
        """`function` may invoke the painter, and finds its name in its settings."""
        # The function itself only ($LATEST): no version or alias wildcard.
        self.painter.function.grant_invoke_latest_version(function.function)
        function.add_environment({"rich_menu_painter_function": self.painter.function.function_name})
