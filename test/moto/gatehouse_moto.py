"""pytest plugin: run moto's own test suites in server mode against gatehouse.

Loaded by test/moto/run.sh (`-p gatehouse_moto`); not a moto file and not
moto's code. What it does:

* starts the gatehouse binary ($GATEHOUSE_BIN) on 127.0.0.1:$GATEHOUSE_MOTO_PORT
  with account 123456789012 (the account moto's tests assume) and fixed root
  credentials, and points moto's server mode at it (TEST_SERVER_MODE,
  TEST_SERVER_MODE_ENDPOINT are set by run.sh before moto is imported);
* turns off moto's credential mocking (it would sign with FOOBARKEY, which
  gatehouse rightly refuses) so boto3 signs with gatehouse's root key;
* replaces moto's reset (POST /moto-api/reset, an unauthenticated moto-only
  endpoint gatehouse does not have) with a restart of gatehouse on a fresh
  data dir: the first reset of every test restarts it, later resets in the
  same test are no-ops. Tests that never enter mock_aws never start it.
* writes one JSON line per test (nodeid, outcome, first error line) to
  $GATEHOUSE_MOTO_RESULTS;
* replaces test_awslambda's role helpers (utilities.get_role_name,
  test_awslambda_cloudformation.get_role_arn): they create "my-role" with
  AssumeRolePolicyDocument="some policy", which AWS and gatehouse refuse
  (MalformedPolicyDocument), and get_role_name then retries forever -- the
  suite stalled on it. The replacement creates the same role (name, path)
  with a trust policy for lambda.amazonaws.com, as a real Lambda execution
  role has, and gives up after a few attempts;
* bounds every test at $GATEHOUSE_MOTO_TEST_TIMEOUT seconds (default 300,
  SIGALRM): a test that loops or waits forever fails with a timeout instead
  of stalling the suite.
"""
import json
import os
import shutil
import signal
import sys
import subprocess
import tempfile
import threading

import pytest

# Serializes the role helper: moto's race-condition test calls it from
# 15 threads, and the first call of a test restarts gatehouse.
_lock = threading.RLock()

_state = {"proc": None, "dir": None, "fresh": True, "log": None}


def _stop():
    proc = _state["proc"]
    if proc is not None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        _state["proc"] = None
    if _state["dir"]:
        shutil.rmtree(_state["dir"], ignore_errors=True)
        _state["dir"] = None


def _start():
    _stop()
    d = tempfile.mkdtemp(prefix="gatehouse-moto-")
    _state["dir"] = d
    args = [
        os.environ["GATEHOUSE_BIN"], "serve",
        "--data-dir", os.path.join(d, "data"),
        "--listen", "127.0.0.1:" + os.environ["GATEHOUSE_MOTO_PORT"],
        "--account-id", "123456789012",
        "--shutdown-timeout", "2s",
        "--log-level", "warn",
    ]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=_state["log"],
                            stdin=subprocess.DEVNULL, text=True)
    # serve prints "gatehouse ... listening on URL" once the listener is up.
    for line in proc.stdout:
        if " listening on " in line:
            break
    else:
        raise RuntimeError("gatehouse exited before listening; see " + _state["log"].name)
    # Keep draining stdout: a closed pipe would kill gatehouse at its next print.
    threading.Thread(target=_drain, args=(proc.stdout,), daemon=True).start()
    _state["proc"] = proc


def _drain(f):
    for _ in f:
        pass


def _reset(self):
    if _state["fresh"]:
        _state["fresh"] = False
        _start()


def pytest_configure(config):
    from moto.core import models
    from moto.core.config import default_user_config

    default_user_config["core"]["mock_credentials"] = False
    models.ServerModeMockAWS.reset = _reset
    _state["log"] = open(os.environ.get("GATEHOUSE_MOTO_LOG", os.devnull), "a")


_LAMBDA_TRUST = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
})


def _lambda_role(region=None):
    """The role moto's test_awslambda helpers create, with a valid trust policy."""
    import boto3
    from botocore.exceptions import ClientError
    from moto import mock_aws

    # mock_aws (as moto's helper does) points boto3 at the server, and
    # starts gatehouse if the test has not.
    with _lock, mock_aws():
        iam = boto3.client("iam", region_name=region or "us-west-2")
        for _ in range(5):
            try:
                return iam.get_role(RoleName="my-role")["Role"]["Arn"]
            except ClientError:
                pass
            try:
                return iam.create_role(RoleName="my-role", AssumeRolePolicyDocument=_LAMBDA_TRUST,
                                       Path="/my-path/")["Role"]["Arn"]
            except ClientError:
                pass
        return iam.get_role(RoleName="my-role")["Role"]["Arn"]


def pytest_collection_finish(session):
    # Test modules import the helpers by name ("from .utilities import
    # get_role_name"), so every module holding one gets the replacement.
    for name, mod in list(sys.modules.items()):
        if mod is None or "test_awslambda" not in name:
            continue
        for attr in ("get_role_name", "get_role_arn"):
            if callable(getattr(mod, attr, None)):
                setattr(mod, attr, _lambda_role)


class _TestTimeout(Exception):
    pass


def _alarm(signum, frame):
    raise _TestTimeout("test exceeded GATEHOUSE_MOTO_TEST_TIMEOUT")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    limit = int(os.environ.get("GATEHOUSE_MOTO_TEST_TIMEOUT", "300"))
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(limit)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def pytest_unconfigure(config):
    _stop()


@pytest.fixture(autouse=True)
def _gatehouse_fresh_state(request):
    _state["fresh"] = True
    if _state["log"] is not None and not _state["log"].closed:
        _state["log"].write("=== " + request.node.nodeid + "\n")
        _state["log"].flush()
    yield


def pytest_runtest_logreport(report):
    path = os.environ.get("GATEHOUSE_MOTO_RESULTS")
    if not path:
        return
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed") \
            or (report.when == "teardown" and report.outcome == "failed"):
        msg = ""
        if report.outcome == "failed":
            crash = getattr(report.longrepr, "reprcrash", None)
            msg = crash.message if crash else str(report.longrepr)
        elif report.outcome == "skipped":
            lr = report.longrepr
            msg = lr[2] if isinstance(lr, tuple) else str(lr)
        msg = " ".join(msg.split())[:300]
        with open(path, "a") as f:
            f.write(json.dumps({"nodeid": report.nodeid, "when": report.when,
                                "outcome": report.outcome, "message": msg}) + "\n")
