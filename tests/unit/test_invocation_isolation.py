"""The local stack runs concurrent Lambda invocations as threads: each must see only its own request."""

from __future__ import annotations

import threading
import time

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from daifuku_local.upstream_patches import isolate_concurrent_invocations


def http_event(path: str) -> dict:
    return {
        "version": "2.0",
        "routeKey": "ANY /items/{proxy+}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"x-caller": path},
        "requestContext": {
            "http": {"method": "GET", "path": path, "sourceIp": "127.0.0.1"},
            "requestId": "r",
            "stage": "$default",
        },
        "isBase64Encoded": False,
    }


def test_concurrent_invocations_each_see_their_own_event_and_context():
    isolate_concurrent_invocations()
    app = APIGatewayHttpResolver(enable_validation=True)

    @app.get("/items/<item>")
    def item(item: str) -> dict:
        time.sleep(0.005)  # a LINE or DynamoDB call: other invocations run meanwhile
        return {
            "item": item,
            "caller": app.current_event.headers["x-caller"],
            "route": "_route" in app.context,
        }

    answers: dict[str, dict] = {}

    def invoke(n: int) -> None:
        answers[f"/items/{n}"] = app.resolve(http_event(f"/items/{n}"), None)

    threads = [threading.Thread(target=invoke, args=(n,)) for n in range(60)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for path, answer in answers.items():
        assert answer["statusCode"] == 200, answer
        assert f'"caller":"{path}"' in answer["body"] and '"route":true' in answer["body"]
