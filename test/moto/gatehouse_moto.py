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
  $GATEHOUSE_MOTO_RESULTS.
"""
import json
import os
import shutil
import subprocess
import tempfile
import threading

import pytest

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
