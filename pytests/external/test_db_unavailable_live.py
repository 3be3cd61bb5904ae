"""While PostgreSQL is unreachable, the API answers a JSON 503 ``database_unavailable`` with Retry-After
(faults.py), never Odoo's no-database HTML 404: a server of the test's own (--workers 2, on ./run-tests'
database) reaches PostgreSQL through a TCP proxy in the test, which cuts every connection and refuses
new ones, then lets them through again. The shared PostgreSQL is never touched."""

import json
import os
import signal
import socket
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests

API = "/restapi/1.0"


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _upstream():
    """Where PostgreSQL listens, as libpq finds it (PGHOST/PGPORT, as ./run-tests and Odoo use them)."""
    host = os.environ.get("PGHOST") or "127.0.0.1"
    port = int(os.environ.get("PGPORT") or 5432)
    if host.startswith("/"):
        return socket.AF_UNIX, f"{host}/.s.PGSQL.{port}"
    return socket.AF_INET, (host, port)


class PgProxy:
    """127.0.0.1:<port> -> PostgreSQL. ``cut()`` closes every connection and stops listening (new
    connections are refused, as by a server that is down); ``restore()`` listens again."""

    def __init__(self):
        self.port = _free_port()
        self.family, self.address = _upstream()
        self.listener = None
        self.pairs = set()
        self.lock = threading.Lock()

    def restore(self):
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self):
        listener, self.listener = self.listener, None
        if listener:
            listener.close()
        with self.lock:
            pairs, self.pairs = self.pairs, set()
        for pair in pairs:
            for sock in pair:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()

    def _accept(self, listener):
        while True:
            try:
                client, _addr = listener.accept()
            except OSError:
                return  # cut
            try:
                server = socket.socket(self.family, socket.SOCK_STREAM)
                server.connect(self.address)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.pairs.add((client, server))
            for src, dst in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    def _pump(self, src, dst):
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        for sock in (src, dst):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


@pytest.fixture
def proxied_server():
    """A server of the test's own on ./run-tests' database, through the proxy: (url, proxy)."""
    if not os.environ.get("FSJ_ODOO_CMD"):
        pytest.skip("FSJ_ODOO_CMD is not set: ./run-tests sets it (the command of a server on its database)")
    proxy = PgProxy()
    proxy.restore()
    port = _free_port()
    cmd = [
        *json.loads(os.environ["FSJ_ODOO_CMD"]),
        "--db_host=127.0.0.1",
        f"--db_port={proxy.port}",
        f"--http-port={port}",
        "--http-interface=127.0.0.1",
        f"--gevent-port={_free_port()}",
        "--workers=2",
        "--log-level=warn",
    ]
    log_dir = Path(os.environ.get("FSJ_WORK") or "/tmp") / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    with open(log_dir / "db-unavailable-server.log", "w") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        for _i in range(240):
            try:
                if requests.get(f"{url}/web/health", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.5)
        else:
            pytest.fail("the proxied server did not start")
        yield url, proxy
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        proxy.cut()


def _assert_unavailable(resp):
    assert resp.status_code == 503, (resp.status_code, resp.headers.get("Content-Type"), resp.text[:200])
    assert resp.headers["Content-Type"].startswith("application/json"), resp.headers
    assert int(resp.headers["Retry-After"]) > 0
    error = resp.json()["error"]
    assert (error["status"], error["code"]) == (503, "database_unavailable"), error
    assert error["details"]["retry_after"] == int(resp.headers["Retry-After"])


def test_api_answers_503_while_postgresql_is_unreachable(proxied_server, make_api, factories, rpc):
    url, proxy = proxied_server
    job = factories.job()
    api = make_api(url)
    detail = f"/object/fsm.order/{job['id']}"
    for _i in range(4):  # both workers have their registry and pooled connections
        resp = api.get(detail)
        assert resp.status_code == 200, resp.text
    marker = f"db-unavailable {uuid.uuid4().hex[:10]}"

    proxy.cut()
    started = time.monotonic()
    answers = [api.get(detail) for _i in range(6)]
    answers += [api.get("/object/fsm.order", params={"limit": 5}), api.get("/fsm/dashboard")]
    answers.append(api.post("/object/fsm.order", json={"partner_id": job["partner_id"], "description": marker}))
    answers.append(requests.get(f"{url}{API}/object/fsm.order/{job['id']}", timeout=30))  # no key: still 503
    elapsed = time.monotonic() - started
    for resp in answers:
        _assert_unavailable(resp)
    assert elapsed < 30, f"{len(answers)} answers took {elapsed:.1f} s while PostgreSQL was unreachable"
    # other routes keep Odoo's behaviour (not the API's JSON)
    other = requests.get(f"{url}/web/login", allow_redirects=False, timeout=30)
    assert "database_unavailable" not in other.text

    proxy.restore()
    deadline, resp = time.monotonic() + 30, None
    while time.monotonic() < deadline:
        resp = api.get(detail)
        if resp.status_code == 200:
            break
        _assert_unavailable(resp)  # until then, nothing else
        time.sleep(0.5)
    assert resp is not None and resp.status_code == 200, resp.text
    assert resp.json()["fsm.order"]["id"] == job["id"]
    for _i in range(4):  # every worker is back (their broken pooled connections were replaced)
        assert api.get(detail).status_code == 200
    # the refused write wrote nothing
    assert rpc("fsm.order", "search_count", [("description", "ilike", marker)]) == 0
