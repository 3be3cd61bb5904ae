"""Hardening under load, against the live multi-worker server (./run-tests starts it with --workers 2):
concurrent writers with ETags, many concurrent creators, schemathesis on the served OpenAPI document, a
server killed with SIGKILL in the middle of a batch (seen writing it in PostgreSQL), and
failed-authentication throttling (its failures are cleared before and after: nothing else depends on
running before or after it)."""

import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests


def _record(line):
    """Figures of this run, for the record (.odoo-test/hardening.txt)."""
    print(line)
    if os.environ.get("FSJ_WORK"):
        with open(Path(os.environ["FSJ_WORK"], "hardening.txt"), "a") as out:
            out.write(line + "\n")


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_concurrent_writers_one_stale_etag(api, factories, make_api, server_url):
    job = factories.job()
    path = f"/object/fsm.order/{job['id']}"
    etag = api.get(path).headers["ETag"]
    barrier = threading.Barrier(2)

    def write(text):
        session = make_api(server_url)
        barrier.wait()
        return session.put(path, json={"description": text}, headers={"If-Match": etag}).status_code

    with ThreadPoolExecutor(2) as pool:
        statuses = sorted(pool.map(write, ["<p>first</p>", "<p>second</p>"]))
    assert statuses == [200, 412], statuses
    _record(f"concurrent writers with one ETag: statuses {statuses}")
    final = api.get(path, params={"fields": "description"}).json()["fsm.order"]["description"]
    assert final in ("<p>first</p>", "<p>second</p>")


def test_load_concurrent_creates(rpc, factories, make_api, server_url):
    """10 clients x 20 creates: every 2xx is exactly one new record, and no other status."""
    customer = factories.customer()
    marker = uuid.uuid4().hex[:10]

    def client(n):
        session = make_api(server_url)
        out = []
        for i in range(20):
            resp = session.post(
                "/object/fsm.order",
                json={"partner_id": customer["id"], "description": f"load {marker} {n}-{i}"},
                params={"fields": "id"},
            )
            out.append((resp.status_code, resp.json()["fsm.order"]["id"] if resp.status_code == 201 else None))
        return out

    started = time.monotonic()
    with ThreadPoolExecutor(10) as pool:
        results = [r for chunk in pool.map(client, range(10)) for r in chunk]
    elapsed = time.monotonic() - started
    statuses = {status for status, _id in results}
    assert statuses == {201}, statuses
    ids = [rec_id for _status, rec_id in results]
    assert len(set(ids)) == 200
    found = rpc("fsm.order", "search", [("description", "ilike", f"load {marker} ")])
    assert sorted(found) == sorted(ids), "every 2xx is exactly one record, and no record without one"
    _record(f"load: 200 creates by 10 concurrent clients in {elapsed:.1f} s: 200 x 201, 200 records, 0 lost")


# Two runs, so that random writes reach only records no other test relies on: every job model read
# only, then writes on jobs, sites and technicians (not the shared stages and job types, nor partners).
SCHEMATHESIS_SCOPES = {
    "read only": {"model_names": "fsm.order,fsm.stage,fsm.order.type,fsm.location,fsm.person", "read_only": True},
    "writes": {"model_names": "fsm.order,fsm.location,fsm.person", "read_only": False},
}


@pytest.mark.parametrize("scope", sorted(SCHEMATHESIS_SCOPES))
def test_schemathesis_no_server_errors(server_url, rpc, api_key, scope):
    """Property-based requests generated from the served OpenAPI document: no 5xx answer."""
    # schemathesis of the interpreter that runs the tests (not whatever `st` is first on PATH)
    if importlib.util.find_spec("schemathesis") is None:
        pytest.fail(f"schemathesis is not installed for {sys.executable}: pip install -r test-requirements.txt")
    key = rpc("res.users.apikeys", "search_read", [("name", "=", "run-tests")], fields=["id"])[0]
    scope_id = rpc("fsm.api.key.scope", "create", {"apikey_id": key["id"], **SCHEMATHESIS_SCOPES[scope]})
    try:
        cmd = [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "run",
            f"{server_url}/restapi/1.0/openapi.json",
            "--header",
            f"X-API-Key: {api_key}",
            "--checks",
            "not_a_server_error",
            "--max-examples",
            "10",
            "--seed",
            "20261122",
            "--phases",
            "examples,fuzzing",
            "--request-timeout",
            "60",
            "--workers",
            "2",
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
    finally:
        rpc("fsm.api.key.scope", "unlink", [scope_id])
    out = proc.stdout + proc.stderr
    tail = "\n".join(out.splitlines()[-40:])
    if os.environ.get("FSJ_WORK"):  # the run's figures, for the record
        with open(Path(os.environ["FSJ_WORK"], "schemathesis.txt"), "a") as report:
            report.write(f"== scope: {scope}\n{out}\n")
    print(tail)
    assert proc.returncode == 0, tail  # st fails the run on any 5xx (check not_a_server_error)


def _process_group(pgid):
    """The pids of a process group (the fault server and its workers)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()  # after "pid (comm)": state, ppid, pgrp, ...
        if int(fields[2]) == pgid:
            pids.append(int(entry.name))
    return pids


def _batch_being_written(conn, dbname, pgid):
    """The PostgreSQL backend of one of the server's workers (Odoo names them odoo-<pid>) whose open
    transaction has started inserting jobs: it holds a write lock on fsm_order and a transaction id."""
    names = [f"odoo-{pid}" for pid in _process_group(pgid)]
    with conn.cursor() as cr:
        cr.execute(
            """
            SELECT a.application_name, a.backend_xid::text, extract(epoch FROM now() - a.xact_start)
              FROM pg_stat_activity a
              JOIN pg_locks l ON l.pid = a.pid
             WHERE a.datname = %s AND a.application_name = ANY(%s) AND a.backend_xid IS NOT NULL
               AND l.locktype = 'relation' AND l.relation = 'fsm_order'::regclass AND l.mode = 'RowExclusiveLock'
            """,
            (dbname, names),
        )
        return cr.fetchone()


def test_kill_9_mid_batch_is_all_or_nothing(rpc, factories, make_api):
    """SIGKILL the server while a worker is writing a 1,000-record batch (its transaction seen in
    PostgreSQL, inserting into fsm_order, not committed): no answer, and after a restart none of the
    batch is there."""
    import psycopg2

    base_cmd = json.loads(os.environ["FSJ_ODOO_CMD"])
    dbname = os.environ["FSJ_DB"]
    customer = factories.customer()
    marker = uuid.uuid4().hex[:10]
    batch = [{"partner_id": customer["id"], "description": f"fault {marker} {i}"} for i in range(1000)]

    def start():
        port = _free_port()
        cmd = [*base_cmd, f"--http-port={port}", "--http-interface=127.0.0.1", f"--gevent-port={_free_port()}",
               "--workers=2", "--log-level=warn"]  # fmt: skip
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        url = f"http://127.0.0.1:{port}"
        for _i in range(120):
            try:
                if requests.get(f"{url}/web/health", timeout=2).status_code == 200:
                    return proc, url
            except requests.RequestException:
                time.sleep(0.5)
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail("the fault-test server did not start")

    proc, url = start()
    outcome = {}

    def post():
        try:
            resp = make_api(url).post("/object/fsm.order", json=batch, params={"fields": "id"}, timeout=120)
            outcome["status"] = resp.status_code
        except requests.RequestException as exc:
            outcome["error"] = type(exc).__name__

    conn = psycopg2.connect(dbname=dbname)  # libpq's PG* variables, as ./run-tests and Odoo use them
    conn.autocommit = True
    thread = threading.Thread(target=post)
    try:
        thread.start()
        writing, deadline = None, time.monotonic() + 60
        while not writing and not outcome and time.monotonic() < deadline:
            writing = _batch_being_written(conn, dbname, proc.pid)
            if not writing:
                time.sleep(0.01)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        conn.close()
    thread.join(60)
    assert writing, f"never saw a worker writing the batch before it ended: {outcome}"
    proc2, url2 = start()
    try:
        count = rpc("fsm.order", "search_count", [("description", "ilike", f"fault {marker} ")])
        backend, xid, age = writing
        _record(
            f"kill -9 mid batch of 1000: killed while {backend} held transaction {xid} writing fsm_order "
            f"({age:.2f} s into it); request outcome {outcome}; records after restart: {count}"
        )
        assert "error" in outcome, f"the killed server answered: {outcome}"
        assert count == 0, f"{count} records of an uncommitted batch survived the kill"
        # the restarted server works
        assert requests.get(f"{url2}/web/health", timeout=10).status_code == 200
    finally:
        os.killpg(proc2.pid, signal.SIGTERM)
        proc2.wait(30)


@pytest.fixture
def no_auth_failures(rpc):
    """No failed authentication recorded before the test, and none left for the tests after it (this
    client's address would stay throttled for a minute)."""

    def clear():
        rpc("fsm.api.auth.failure", "unlink", rpc("fsm.api.auth.failure", "search", []))

    clear()
    yield
    clear()


def test_unknown_keys_are_refused_without_throttling(server_url, api_key, no_auth_failures):
    """Across workers (PostgreSQL counts): a flood of unknown keys is refused, and throttles nobody."""
    url = f"{server_url}/restapi/1.0/object/fsm.stage"
    flood = [
        requests.get(url, headers={"X-API-Key": f"zz{i:06d}" + "0" * 32}, timeout=30).status_code for i in range(40)
    ]
    assert flood == [401] * 40, flood
    assert requests.get(url, headers={"X-API-Key": api_key}, timeout=30).status_code == 200


def test_guesses_at_a_key_prefix_are_throttled(server_url, api_key, no_auth_failures):
    """Guesses at a stored key's prefix are throttled after 20 a minute from one client, whatever
    X-Forwarded-For says (not trusted outside proxy mode)."""
    url = f"{server_url}/restapi/1.0/object/fsm.stage"
    guess = api_key[:8] + "0" * 32
    statuses = [
        requests.get(url, headers={"X-API-Key": guess, "X-Forwarded-For": f"198.51.100.{i}"}, timeout=30).status_code
        for i in range(22)
    ]
    assert statuses[:20] == [401] * 20, statuses
    assert statuses[20:] == [429, 429], statuses
    resp = requests.get(url, headers={"X-API-Key": guess}, timeout=30)
    assert resp.status_code == 429 and int(resp.headers["Retry-After"]) >= 1
    assert resp.json()["error"]["code"] == "too_many_failures"
