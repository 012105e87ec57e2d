import logging
import os


def handler(event, context):
    print("hello from python", event.get("x"))
    if event.get("do") == "error":
        raise ValueError("nope")
    return {"x": event.get("x"), "requestId": context.aws_request_id, "fn": context.function_name,
            "region": os.environ.get("AWS_REGION")}
