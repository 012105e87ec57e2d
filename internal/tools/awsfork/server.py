"""A fork server for the AWS CLI v1, for the test suite only.

The tests run the real AWS CLI about 350 times; each run spends most of its
CPU starting Python, importing awscli and botocore and parsing the same JSON
models again (0.8-0.9 s of CPU on the 2-core CI machine, a third of
`make test`'s CPU). This server imports the CLI once, loads the models the
tests use into one botocore Loader, and forks a child per invocation that
runs the unmodified `awscli.clidriver.main()` with the caller's argv,
environment, working directory and standard streams (passed as file
descriptors over the Unix socket). The CLI code that runs is the same; only
its start-up is shared.

Protocol (one connection per invocation; the client is awsfork's main.go):
client -> server: 4-byte big-endian length, then that many bytes of JSON
{"argv": [...], "env": ["K=V", ...], "cwd": "..."}, with fds 0, 1, 2
attached (SCM_RIGHTS) to the first bytes. server -> client: a 4-byte
big-endian exit status when the child exits. If the client goes away
first (its test timed out), the child is killed.

Usage: python3 server.py SOCKET_PATH   (prints "ready" on stdout when it listens)
"""

import atexit
import gc
import json
import os
import selectors
import signal
import socket
import struct
import sys
import threading
import traceback

if 'AWS_DATA_PATH' in os.environ:
    # The warm loader is for the CLI's own data path only.
    del os.environ['AWS_DATA_PATH']

import awscli  # noqa: E402  (sets AWS_DATA_PATH to awscli/data)
import awscli.clidriver  # noqa: E402
import botocore.loaders  # noqa: E402
import botocore.session  # noqa: E402

AWSCLI_DATA = os.path.join(os.path.dirname(os.path.abspath(awscli.__file__)), 'data')
WARM_PATH = os.environ['AWS_DATA_PATH']

# The services the tests call; their models are parsed once, here.
SERVICES = ('iam', 'sts', 's3', 'cloudformation', 'lambda', 'apigateway', 'apigatewayv2',
            'ssm', 'ecr', 'logs', 'sqs', 'sns', 'dynamodb', 'events')


def warm_loader():
    loader = botocore.loaders.create_loader(WARM_PATH)
    loader.list_available_services('service-2')
    for name in ('endpoints', 'partitions', '_retry', 'sdk-default-configuration', 'cli'):
        try:
            loader.load_data_with_path(name)
            loader.load_data(name)
        except Exception:
            pass
    for svc in SERVICES:
        for kind in ('service-2', 'endpoint-rule-set-1', 'paginators-1', 'waiters-2'):
            try:
                loader.load_service_model(svc, kind)
            except Exception:
                pass
    return loader


LOADER = warm_loader()
_create_loader = botocore.session.create_loader


def warm_driver():
    # Building a driver, its command table and its parser imports the
    # CLI's handlers and customizations; the children then find them
    # imported. The driver itself is dropped: each child builds its own
    # from its caller's environment.
    botocore.session.create_loader = create_loader
    try:
        driver = awscli.clidriver.create_clidriver()
        table = driver._get_command_table()
        driver._create_parser(table)
        for name in ('sts', 'iam', 'cloudformation', 'lambda', 'apigateway', 's3api', 's3'):
            cmd = table.get(name)
            if cmd is not None and hasattr(cmd, '_get_command_table'):
                cmd._get_command_table()
    except Exception:
        pass
    finally:
        botocore.session.create_loader = _create_loader


def create_loader(search_path_string=None):
    if search_path_string == WARM_PATH:
        return LOADER
    return _create_loader(search_path_string)


def data_path(env):
    # What awscli/__init__.py computes at import, for the caller's env.
    paths = []
    if 'AWS_DATA_PATH' in env:
        for p in env['AWS_DATA_PATH'].split(os.pathsep):
            paths.append(os.path.expanduser(os.path.expandvars(p)))
    paths.append(AWSCLI_DATA)
    return os.pathsep.join(paths)


def run_child(req, fds):
    """Runs in the forked child; never returns."""
    rc = 255
    try:
        for i, fd in enumerate(fds[:3]):
            os.dup2(fd, i)
        os.closerange(3, 65536)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        env = dict(kv.split('=', 1) for kv in req['env'] if '=' in kv)
        if env.get('LC_CTYPE', '') == 'UTF-8':  # as bin/aws does
            env['LC_CTYPE'] = 'en_US.UTF-8'
        env['AWS_DATA_PATH'] = data_path(env)
        os.environ.clear()
        os.environ.update(env)
        os.chdir(req['cwd'])
        sys.argv = ['aws'] + req['argv']
        botocore.session.create_loader = create_loader
        try:
            rc = awscli.clidriver.main()
        except SystemExit as e:
            if e.code is None:
                rc = 0
            elif isinstance(e.code, int):
                rc = e.code
            else:
                print(e.code, file=sys.stderr)
                rc = 1
        except KeyboardInterrupt:
            rc = 130
        # What the interpreter does at exit: join the CLI's threads, run
        # its atexit functions.
        threading._shutdown()
        atexit._run_exitfuncs()
    except BaseException:
        traceback.print_exc()
        rc = 255
    finally:
        try:
            sys.stdout.flush()
        except BaseException:
            pass
        try:
            sys.stderr.flush()
        except BaseException:
            pass
        os._exit((rc if isinstance(rc, int) else 1) & 0xff)


def read_request(conn):
    conn.settimeout(10)
    msg, fds, _, _ = socket.recv_fds(conn, 65536, 3)
    if len(fds) != 3:
        for fd in fds:
            os.close(fd)
        raise ValueError('bad request')
    while len(msg) < 4:
        chunk = conn.recv(4 - len(msg))
        if not chunk:
            raise ValueError('short request')
        msg += chunk
    n = struct.unpack('!I', msg[:4])[0]
    if n > 8 << 20:
        raise ValueError('request too large')
    body = msg[4:]
    while len(body) < n:
        chunk = conn.recv(n - len(body))
        if not chunk:
            raise ValueError('short request')
        body += chunk
    return json.loads(body), fds


def main():
    warm_driver()
    # Children share the warm heap copy-on-write; a collection in a child
    # would touch (and copy) every page of it.
    gc.freeze()
    path = sys.argv[1]
    lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    lsock.bind(path)
    lsock.listen(64)
    sel = selectors.DefaultSelector()
    sel.register(lsock, selectors.EVENT_READ, ('listen', None))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print('ready', flush=True)
    children = {}  # pid -> (conn, pidfd)
    while True:
        for key, _ in sel.select():
            what, data = key.data
            if what == 'listen':
                conn, _ = lsock.accept()
                try:
                    req, fds = read_request(conn)
                except Exception:
                    conn.close()
                    continue
                sys.stdout.flush()
                sys.stderr.flush()
                pid = os.fork()
                if pid == 0:
                    run_child(req, fds)
                for fd in fds:
                    os.close(fd)
                pidfd = os.pidfd_open(pid)
                conn.setblocking(False)
                children[pid] = (conn, pidfd)
                sel.register(pidfd, selectors.EVENT_READ, ('exit', pid))
                sel.register(conn, selectors.EVENT_READ, ('client', pid))
            elif what == 'exit':
                pid = data
                conn, pidfd = children.pop(pid)
                _, status = os.waitpid(pid, 0)
                code = os.waitstatus_to_exitcode(status)
                if code < 0:
                    code = 128 - code
                sel.unregister(pidfd)
                os.close(pidfd)
                try:
                    sel.unregister(conn)
                except (KeyError, ValueError):
                    pass  # the client went away first
                try:
                    conn.setblocking(True)
                    conn.sendall(struct.pack('!I', code))
                except OSError:
                    pass
                conn.close()
            elif what == 'client':
                # The client sends nothing after its request: readable
                # means it went away. Kill the child; its exit is reaped
                # above.
                pid = data
                if pid in children:
                    conn = children[pid][0]
                    try:
                        if conn.recv(1, socket.MSG_PEEK):
                            continue
                    except BlockingIOError:
                        continue
                    except OSError:
                        pass
                    sel.unregister(conn)
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass


if __name__ == '__main__':
    main()
