"""Sign requests with botocore's SigV4Auth / SigV4QueryAuth for botocore_test.go.

Prints a JSON list of signed requests as they go on the wire. Exits 3 when
botocore is not installed, so the Go test can skip.
"""
import base64
import datetime
import json
import sys

try:
    import botocore.auth
    from botocore.auth import SigV4Auth, SigV4QueryAuth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
except ImportError:
    sys.exit(3)

NOW = datetime.datetime(2026, 3, 14, 15, 9, 26, tzinfo=datetime.timezone.utc)
botocore.auth.get_current_datetime = lambda *a, **k: NOW

AKID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
HOST = "https://abc123.execute-api.us-west-2.amazonaws.com"

cases = [
    # name, method, path (wire form), params, headers, body, token, presign
    ("vanilla", "GET", "/prod/pets", None, {}, b"", None, False),
    ("params", "GET", "/prod/pets", {"limit": "10", "q": "a b+c", "ሴ": "é", "empty": ""}, {}, b"", None, False),
    ("encoded path", "GET", "/prod/a%20b/c%2Fd/%E1%88%B4", None, {}, b"", None, False),
    ("dot segments", "GET", "/prod//x/./y/../z/", None, {}, b"", None, False),
    ("reserved path", "GET", "/prod/$delete/~user/!x", None, {}, b"", None, False),
    ("post json", "POST", "/prod/pets", None, {"Content-Type": "application/json"}, b'{"name":"rex"}', None, False),
    ("padded headers", "PUT", "/prod/pets/1", None, {"X-Custom": "  a   b  ", "Accept": "*/*"}, b"x" * 1000, None, False),
    ("session token", "GET", "/prod/me", None, {}, b"", "FQoGZXIvYXdzEJr//////////wEaDExample+token=", False),
    ("date header", "GET", "/prod/pets", None, {"Date": "placeholder"}, b"", None, False),
    ("content sha header", "POST", "/prod/pets", None, {"X-Amz-Content-SHA256": "placeholder"}, b"body", None, False),
    ("presigned", "GET", "/prod/pets", {"limit": "10"}, {}, b"", None, True),
    ("presigned token", "GET", "/prod/me", None, {}, b"", "FQoGZXIvYXdzEJr//////////wEaDExample+token=", True),
    ("presigned dot segments", "GET", "/prod//a/../b", None, {}, b"", None, True),
]

out = []
for name, method, path, params, headers, body, token, presign in cases:
    headers = dict(headers)
    if headers.get("X-Amz-Content-SHA256") == "placeholder":
        import hashlib
        headers["X-Amz-Content-SHA256"] = hashlib.sha256(body).hexdigest()
    req = AWSRequest(method=method, url=HOST + path, params=params, headers=headers, data=body)
    if "Date" in headers:
        req.headers["Date"] = "Sat, 14 Mar 2026 15:09:26 GMT"
    creds = Credentials(AKID, SECRET, token)
    if presign:
        SigV4QueryAuth(creds, "execute-api", "us-west-2", expires=300).add_auth(req)
    else:
        SigV4Auth(creds, "execute-api", "us-west-2").add_auth(req)
    p = req.prepare()
    out.append({
        "name": name,
        "method": p.method,
        "url": p.url,
        "headers": [[k, v] for k, v in p.headers.items()],
        "body": base64.b64encode(p.body or b"").decode(),
        "token": token or "",
        "presigned": presign,
    })
json.dump(out, sys.stdout, indent=1)
