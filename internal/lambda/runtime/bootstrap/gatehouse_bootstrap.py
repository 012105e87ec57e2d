# gatehouse's Python runtime client: implements the handler conventions of
# the official AWS Lambda Python runtime (spec/lambda.md section 3.3) over
# the Runtime API named by AWS_LAMBDA_RUNTIME_API. Written for gatehouse.
import decimal
import http.client
import importlib
import json
import logging
import os
import sys
import time
import traceback

API = os.environ.get("AWS_LAMBDA_RUNTIME_API", "")
TASK_ROOT = os.environ.get("LAMBDA_TASK_ROOT", os.getcwd())
HANDLER = os.environ.get("_HANDLER", "")
_request_id = ""

conn = None


def call(method, path, body=None, headers=None):
    global conn
    for attempt in range(2):
        try:
            if conn is None:
                host, port = API.rsplit(":", 1)
                conn = http.client.HTTPConnection(host, int(port))
            conn.request(method, "/2018-06-01/runtime/" + path, body=body, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, resp.headers, resp.read()
        except (http.client.HTTPException, ConnectionError):
            conn = None
            if attempt:
                raise


class FaultError(Exception):
    def __init__(self, error_type, msg):
        super().__init__(msg)
        self.error_type = error_type
        self.msg = msg


def error_doc(exc, request_id, error_type=None, msg=None):
    tb = traceback.extract_tb(exc.__traceback__) if exc.__traceback__ else []
    tb = [f for f in tb if not f.filename.endswith("gatehouse_bootstrap.py")]
    return {
        "errorMessage": msg if msg is not None else str(exc),
        "errorType": error_type or type(exc).__name__,
        "requestId": request_id,
        "stackTrace": traceback.format_list(tb),
    }


def log_error(doc):
    lines = [f"[ERROR] {doc['errorType']}: {doc['errorMessage']}"]
    if doc.get("stackTrace"):
        lines.append("Traceback (most recent call last):")
        lines += [s.replace(" ", "\u00a0") for s in doc["stackTrace"]]
    sys.stdout.write("\r".join(l.rstrip("\n") for l in lines) + "\n")
    sys.stdout.flush()


class _Formatter(logging.Formatter):
    def format(self, record):
        t = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + ".%03dZ" % record.msecs
        msg = record.getMessage()
        if record.exc_info:
            msg += "\n" + self.formatException(record.exc_info)
        return f"[{record.levelname}]\t{t}\t{_request_id}\t{msg}".replace("\n", "\r")


def setup_logging():
    h = logging.StreamHandler(sys.stdout)
    h.setFormatter(_Formatter())
    root = logging.getLogger()
    root.handlers = [h]
    root.setLevel(logging.WARNING)


def load_handler():
    if "." not in HANDLER:
        raise FaultError("Runtime.MalformedHandlerName",
                         f"Bad handler '{HANDLER}': not enough values to unpack (expected 2, got 1)")
    modname, fname = HANDLER.rsplit(".", 1)
    modname = modname.replace("/", ".")
    first = modname.split(".")[0]
    if first in sys.builtin_module_names:
        raise FaultError("Runtime.BuiltInModuleConflict", f"Cannot use built-in module {first} as a handler module")
    try:
        mod = importlib.import_module(modname)
    except SyntaxError as e:
        raise FaultError("Runtime.UserCodeSyntaxError", f"Syntax error in module '{modname}': {e}") from e
    except ImportError as e:
        raise FaultError("Runtime.ImportModuleError", f"Unable to import module '{modname}': {e}") from e
    fn = getattr(mod, fname, None)
    if fn is None:
        raise FaultError("Runtime.HandlerNotFound", f"Handler '{fname}' missing on module '{modname}'")
    return fn


class Context:
    def __init__(self, headers):
        self.aws_request_id = headers.get("Lambda-Runtime-Aws-Request-Id")
        self.invoked_function_arn = headers.get("Lambda-Runtime-Invoked-Function-Arn")
        self._deadline = int(headers.get("Lambda-Runtime-Deadline-Ms") or 0)
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        cc = headers.get("Lambda-Runtime-Client-Context")
        self.client_context = json.loads(cc) if cc else None
        ci = headers.get("Lambda-Runtime-Cognito-Identity")
        self.identity = json.loads(ci) if ci else None

    def get_remaining_time_in_millis(self):
        return max(0, self._deadline - int(time.time() * 1000))


def _default(o):
    if isinstance(o, decimal.Decimal):
        return int(o) if o == o.to_integral_value() else float(o)
    raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")


def post_error(path, doc):
    log_error(doc)
    call("POST", path, json.dumps(doc).encode(), {
        "Content-Type": "application/json",
        "Lambda-Runtime-Function-Error-Type": doc["errorType"],
    })


def main():
    global _request_id
    sys.path.insert(0, TASK_ROOT)
    setup_logging()
    try:
        fn = load_handler()
    except FaultError as e:
        post_error("init/error", error_doc(e, "", e.error_type, e.msg))
        sys.exit(1)
    except Exception as e:
        post_error("init/error", error_doc(e, ""))
        sys.exit(1)
    while True:
        _request_id = ""
        status, headers, body = call("GET", "invocation/next")
        if status != 200:
            sys.exit(1)
        rid = headers.get("Lambda-Runtime-Aws-Request-Id")
        _request_id = rid
        trace = headers.get("Lambda-Runtime-Trace-Id")
        if trace:
            os.environ["_X_AMZN_TRACE_ID"] = trace
        else:
            os.environ.pop("_X_AMZN_TRACE_ID", None)
        try:
            if (headers.get("Content-Type") or "application/json").startswith("application/json"):
                event = json.loads(body or b"null")
            else:
                event = body
            result = fn(event, Context(headers))
        except Exception as e:
            post_error(f"invocation/{rid}/error", error_doc(e, rid))
            continue
        if isinstance(result, (bytes, bytearray)):
            out = bytes(result)
        else:
            try:
                out = json.dumps(result, default=_default, ensure_ascii=False).encode()
            except Exception as e:
                post_error(f"invocation/{rid}/error",
                           error_doc(e, rid, "Runtime.MarshalError", f"Unable to marshal response: {e}"))
                continue
        call("POST", f"invocation/{rid}/response", out, {"Content-Type": "application/json"})


if __name__ == "__main__":
    main()
