import logging
import os


def handler(event, context):
    print("hello from python", event.get("x"))
    if event.get("do") == "error":
        raise ValueError("nope")
    if event.get("do") == "hog":
        held = [b"\x01" * (16 << 20) for _ in range(event.get("mb", 1024) // 16)]
        return {"held": len(held)}
    return {"x": event.get("x"), "requestId": context.aws_request_id, "fn": context.function_name,
            "region": os.environ.get("AWS_REGION")}
