# A function that tries to get at what is not its own: the server's
# secrets, its data dir, other functions' Runtime APIs and /tmp. It reports
# what it got; the test asserts it got nothing.
import glob
import json
import os
import socket
import urllib.request


def read(path, limit=4096):
    try:
        with open(path, "rb") as f:
            return f.read(limit).decode("latin-1")
    except Exception as e:  # noqa: BLE001 - every failure is an answer
        return "ERR " + type(e).__name__ + ": " + str(e)


def status_field(name):
    for line in read("/proc/self/status", 65536).splitlines():
        if line.startswith(name + ":"):
            return line.split(":", 1)[1].strip()
    return ""


def open_ports():
    found = []
    for port in range(1, 65536):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(0.2)
        try:
            # A connection to itself (source port == port) is not a listener.
            if s.connect_ex(("127.0.0.1", port)) == 0 and s.getsockname() != s.getpeername():
                found.append(port)
        finally:
            s.close()
    return found


def next_event(port):
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d/2018-06-01/runtime/invocation/next" % port, timeout=2) as r:
            return {"status": r.status, "request_id": r.headers.get("Lambda-Runtime-Aws-Request-Id"), "body": r.read(200).decode("latin-1")}
    except Exception as e:  # noqa: BLE001
        return {"error": type(e).__name__ + ": " + str(e)}


def handler(event, context):
    out = {"uid": os.getuid(), "gid": os.getgid(), "euid": os.geteuid(), "ppid": os.getppid(),
           "NoNewPrivs": status_field("NoNewPrivs"), "CapEff": status_field("CapEff"),
           "CapBnd": status_field("CapBnd"), "Seccomp": status_field("Seccomp")}
    proc = {}
    for d in sorted(glob.glob("/proc/[0-9]*")):
        for f in ("environ", "cmdline"):
            proc[d + "/" + f] = read(d + "/" + f, 1 << 16)
    proc["/proc/%d/environ (ppid)" % os.getppid()] = read("/proc/%d/environ" % os.getppid(), 1 << 16)
    out["proc"] = proc
    out["files"] = {p: read(p) for p in event.get("paths", [])}
    out["ls /"] = sorted(os.listdir("/"))
    try:
        with open("/var/task/planted", "w") as f:
            f.write("x")
        out["write /var/task"] = "written"
    except Exception as e:  # noqa: BLE001
        out["write /var/task"] = "ERR " + type(e).__name__
    with open("/tmp/attacker-was-here", "w") as f:
        f.write("secret of the attacker")
    # Only /tmp is writable (and bounded): not /, not /dev (/dev/shm).
    out["writable"] = []
    for d in ("/", "/dev", "/dev/shm", "/etc", "/var", "/var/runtime", "/usr"):
        try:
            with open(os.path.join(d, "planted"), "w") as f:
                f.write("x")
            out["writable"].append(d)
        except Exception:  # noqa: BLE001
            pass
    own = int(os.environ["AWS_LAMBDA_RUNTIME_API"].rsplit(":", 1)[1])
    ports = open_ports()
    out["own_api_port"] = own
    out["open_ports"] = ports
    out["next"] = {str(p): next_event(p) for p in ports + event.get("ports", []) if p != own}
    out["own_next"] = next_event(own)
    out["request_id"] = context.aws_request_id
    return out


def victim(event, context):
    if event.get("do") == "ls_tmp":
        return sorted(os.listdir("/tmp"))
    return {"victim": context.aws_request_id, "env": os.environ.get("AWS_LAMBDA_RUNTIME_API")}


def hog(event, context):
    # Grows resident memory 16 MB at a time, well past MemorySize.
    chunks = []
    for _ in range(int(event.get("mb", 1024)) // 16):
        chunks.append(b"\x01" * (16 << 20))
    return {"allocated_mb": 16 * len(chunks)}


def fill_tmp(event, context):
    written = 0
    try:
        with open("/tmp/fill", "wb") as f:
            block = b"\x00" * (1 << 20)
            for _ in range(int(event.get("mb", 1024))):
                f.write(block)
                f.flush()
                written += 1
        return {"written_mb": written, "error": None}
    except OSError as e:
        return {"written_mb": written, "error": e.errno, "strerror": e.strerror}
    finally:
        try:
            os.remove("/tmp/fill")
        except OSError:
            pass
