"""Call an execute-api URL signed by botocore, the way Python services sign
requests to IAM-protected APIs: SigV4Auth (Authorization header) or
SigV4QueryAuth (presigned URL), credentials from the environment.

usage: botocore_call.py header|presign URL [METHOD] [BODY]
Prints "STATUS BODY". HOST_HEADER, when set, is sent (and signed) as Host
while connecting to URL's address: the execute-api host form without DNS.
"""
import os
import sys
import urllib.error
import urllib.request

from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def main():
    mode, url = sys.argv[1], sys.argv[2]
    method = sys.argv[3] if len(sys.argv) > 3 else "GET"
    body = sys.argv[4].encode() if len(sys.argv) > 4 else None
    creds = Credentials(os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"],
                        os.environ.get("AWS_SESSION_TOKEN") or None)
    region = os.environ.get("AWS_DEFAULT_REGION", "us-east-1")
    headers = {"Content-Type": "application/json"} if body else {}
    if os.environ.get("HOST_HEADER"):
        headers["Host"] = os.environ["HOST_HEADER"]
    req = AWSRequest(method=method, url=url, data=body, headers=headers)
    if mode == "presign":
        SigV4QueryAuth(creds, "execute-api", region, expires=300).add_auth(req)
    else:
        SigV4Auth(creds, "execute-api", region).add_auth(req)
    prepared = req.prepare()
    r = urllib.request.Request(prepared.url, data=body, method=method, headers=dict(prepared.headers))
    try:
        with urllib.request.urlopen(r) as resp:
            print(resp.status, resp.read().decode())
    except urllib.error.HTTPError as e:
        print(e.code, e.read().decode())


if __name__ == "__main__":
    main()
