"""Proof that the REST API scales out on a PostgreSQL streaming replica (README.rst, "Deployment:
several servers, one primary, replicas"). Not a test: run it by hand, as root, on a machine with
PostgreSQL 15 (it takes about two minutes):

    python3 bench/replica.py
    python3 bench/replica.py --gets 600 --writes 60 --db fsj_x_replica --port 8472 --replica-port 5433

It copies the template database of ./run-tests, installs fieldservice_jobs, makes a hot standby of
the local cluster with pg_basebackup (-R, as the postgres OS user, into /tmp, port --replica-port;
a `local replication` line is added to the primary's pg_hba.conf and the primary reloaded if none is
there, and removed afterwards: the primary is never restarted), and starts Odoo (--workers 2, one cron
worker) with --db_replica_host/--db_replica_port on it. Then:

- GET phase: --gets GETs of every read route (list, detail, files, signature, dashboard, change feed,
  OpenAPI) with a rate-limited key, GETs with a key limited to 5 requests, refused keys;
- write phase: --writes creates with an Idempotency-Key (and their replays), updates, a webhook
  subscription delivered by the cron worker, and the change feed read back (on the replica) after them.

Each phase is measured by the statistics of both clusters (pg_stat_database, pg_stat_user_tables,
taken once the backends have flushed them) and by Odoo's request log, whose last column is the cursor
a request ran on when a replica is configured (ro, rw, or ro->rw: a GET run again on the primary after
it tried to write). It prints a JSON summary (also written to bench/results/replica-<time>.json) and
cleans up: Odoo stopped, the replica stopped and deleted, the database dropped (unless --keep-db).
Exit status 0 when every check holds."""

import argparse
import contextlib
import datetime
import getpass
import http.server
import json
import os
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg2
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import run_tests as rt  # noqa: E402

PG_VERSION = "15"
PG_BIN = Path(f"/usr/lib/postgresql/{PG_VERSION}/bin")
PRIMARY_CONF = Path(f"/etc/postgresql/{PG_VERSION}/main")
PRIMARY_SOCKET = "/var/run/postgresql"
HBA_MARK = "# added by fieldservice_jobs bench/replica.py"
API = "/restapi/1.0"
# the API's own state: neither written nor read on the replica
API_STATE = (
    "fsm_api_rate_limit",
    "fsm_api_idempotency",
    "fsm_api_audit",
    "fsm_api_auth_failure",
    "fsm_webhook_delivery",
)
TABLES = ("fsm_order", "fsm_api_change", "res_users_apikeys", "fsm_api_key_scope", *API_STATE)
# settings a hot standby must have at least as high as its primary
STANDBY_MINIMA = (
    "max_connections",
    "max_worker_processes",
    "max_wal_senders",
    "max_prepared_transactions",
    "max_locks_per_transaction",
)
STATS_FLUSH = 11.5  # seconds: an idle backend flushes its statistics within 10 s (PGSTAT_IDLE_INTERVAL)
# Odoo's request log with a replica configured: ... "GET /path HTTP/1.1" 200 - queries time time mode
REQUEST_RE = re.compile(r'"(GET|POST|PUT|PATCH|DELETE|HEAD) (\S+) HTTP/[\d.]+" (\d+) - [\d-]+ [\d.-]+ [\d.-]+ (\S+)')
KEYS_SCRIPT = """
Keys = env["res.users.apikeys"].with_user(env.ref("base.user_admin"))
print("FSJ-KEYS", Keys._generate_restapi_key("replica bench", rate_limit=1000000),
      Keys._generate_restapi_key("replica bench tight", rate_limit=5))
env["ir.config_parameter"].sudo().set_param("fieldservice_jobs.webhook_allow_private", "1")
env.cr.commit()
"""


def say(msg):
    print(msg, file=sys.stderr, flush=True)


def as_postgres(cmd, check=True):
    """A command run as the postgres OS user (su from root, as is if we are postgres)."""
    if getpass.getuser() != "postgres":
        cmd = ["su", "postgres", "-s", "/bin/sh", "-c", shlex.join(cmd)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if check and proc.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stdout}{proc.stderr}")
    return proc


class Receiver:
    """A webhook receiver on 127.0.0.1 that records every message (its webhook-id and body)."""

    def __init__(self, port):
        self.port, self.messages, self.lock = port, [], threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with receiver.lock:
                    receiver.messages.append((self.headers.get("webhook-id"), body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def of(self, ids):
        with self.lock:
            return [(msg_id, body) for msg_id, body in self.messages if body.get("data", {}).get("id") in ids]

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class ReplicaBench:
    def __init__(self, args):
        self.args = args
        found, why = rt.find_odoo()
        if not found:
            sys.exit(f"replica: no Odoo 18 ({why})")
        _version, src_dir, self.env = found
        oca_dir, _key = rt.fetch_oca(self.env)
        link = rt.WORK / "addons" / rt.MODULE
        link.parent.mkdir(parents=True, exist_ok=True)
        if not link.exists():
            link.symlink_to(ROOT, target_is_directory=True)
        addons = [str(p) for p in (src_dir / "addons", src_dir / "odoo" / "addons") if p.is_dir()]
        self.base = [
            *rt.odoo_command(src_dir),
            f"--addons-path={','.join([*addons, str(oca_dir), str(link.parent)])}",
            f"--data-dir={rt.WORK / 'data'}",
            *rt.db_options(),
        ]
        self.db = args.db
        self.data_dir = Path(tempfile.gettempdir()) / f"{self.db}_pg{args.replica_port}"
        self.replica_name = f"{self.db}_standby"
        self.url = f"http://127.0.0.1:{args.port}"
        self.log = rt.LOGS / f"replica-server-{self.db}.log"
        self.server = self.receiver = None
        self.hba_added = False
        self.summary = {"date": datetime.datetime.now().isoformat(timespec="seconds"), "db": self.db}

    # -- the database, the replica, the server ------------------------------------------------------
    def prepare_db(self):
        templates = [d for d in self.databases() if d.startswith("fsj_tmpl_") and not d.endswith("_building")]
        if not templates:
            sys.exit("replica: run ./run-tests once first (it builds the template database)")
        rt.db_drop(self.db)
        rt.db_copy(templates[0], self.db)
        say(f"   installing {rt.MODULE} in {self.db}")
        cmd = [*self.base, "-d", self.db, "-i", rt.MODULE, "--stop-after-init", "--no-http", "--log-level=warn"]
        if rt.run(cmd, log=rt.LOGS / "replica-install.log", env=self.env):
            sys.exit("replica: install failed, see .odoo-test/logs/replica-install.log")
        proc = subprocess.run(
            [*self.base[:2], "shell", *self.base[2:], "-d", self.db, "--no-http", "--log-level=warn"],
            input=KEYS_SCRIPT,
            text=True,
            capture_output=True,
            env=self.env,
            check=False,
        )
        match = re.search(r"^FSJ-KEYS (\S+) (\S+)$", proc.stdout, re.MULTILINE)
        if not match:
            sys.exit(f"replica: making API keys failed:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
        self.key, self.tight_key = match.groups()

    def primary(self, sql, params=(), dbname="postgres", fetch="one"):
        """A query on the primary, on a connection of its own."""
        with contextlib.closing(rt.pg_connect(dbname)) as conn, conn.cursor() as cr:
            cr.execute(sql, params)
            return cr.fetchone() if fetch == "one" else cr.fetchall()

    def databases(self):
        return [r[0] for r in self.primary("SELECT datname FROM pg_database", fetch="all")]

    def primary_setting(self, name):
        return self.primary(f"SHOW {name}")[0]

    def allow_replication(self):
        """A `local replication` line in the primary's pg_hba.conf (added, and the primary reloaded,
        only if there is none: nothing is restarted)."""
        hba = PRIMARY_CONF / "pg_hba.conf"
        lines = hba.read_text().splitlines()
        if any(re.match(r"\s*local\s+replication\s", line) for line in lines):
            return
        hba.write_text("\n".join([*lines, f"local replication postgres trust {HBA_MARK}"]) + "\n")
        self.hba_added = True
        subprocess.run(["pg_ctlcluster", PG_VERSION, "main", "reload"], check=True)
        time.sleep(1)

    def start_replica(self):
        if self.primary_setting("wal_level") not in ("replica", "logical"):
            sys.exit("replica: the primary needs wal_level=replica (its default)")
        self.allow_replication()
        self.stop_replica()
        say(f"   pg_basebackup into {self.data_dir}")
        t0 = time.time()
        as_postgres(
            [
                str(PG_BIN / "pg_basebackup"),
                "-h",
                PRIMARY_SOCKET,
                "-p",
                self.primary_setting("port"),
                "-U",
                "postgres",
                "-D",
                str(self.data_dir),
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",
            ]
        )
        self.summary["basebackup_seconds"] = round(time.time() - t0, 1)
        minima = "\n".join(f"{name} = {self.primary_setting(name)}" for name in STANDBY_MINIMA)
        conf = f"""# the hot standby of bench/replica.py (Debian keeps the primary's files in /etc)
port = {self.args.replica_port}
listen_addresses = '127.0.0.1'
unix_socket_directories = '{self.data_dir}'
hba_file = '{self.data_dir}/pg_hba.conf'
ident_file = '{self.data_dir}/pg_ident.conf'
hot_standby = on
hot_standby_feedback = on
shared_buffers = 128MB
{minima}
"""
        # the primary knows the standby by its name (pg_stat_replication.application_name)
        conninfo = f"host={PRIMARY_SOCKET} port={self.primary_setting('port')} user=postgres "
        conninfo += f"application_name={self.replica_name}"
        auto = (self.data_dir / "postgresql.auto.conf").read_text()
        files = {
            "postgresql.conf": conf,
            "pg_hba.conf": "local all all trust\nhost all all 127.0.0.1/32 trust\n",
            "pg_ident.conf": "",
            "postgresql.auto.conf": f"{auto}primary_conninfo = '{conninfo}'\n",
        }
        for name, text in files.items():
            path = self.data_dir / name
            path.write_text(text)
            shutil.chown(path, "postgres", "postgres")
            path.chmod(0o600)
        as_postgres(
            [str(PG_BIN / "pg_ctl"), "-D", str(self.data_dir), "-l", f"{self.data_dir}/standby.log", "-w", "start"]
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            row = self.primary("SELECT state FROM pg_stat_replication WHERE application_name = %s", [self.replica_name])
            if row and row[0] == "streaming":
                break
            time.sleep(0.5)
        else:
            sys.exit("replica: the standby is not streaming")
        with contextlib.closing(self.replica_conn()) as conn, conn.cursor() as cr:
            cr.execute("SELECT pg_is_in_recovery()")
            self.summary["replica"] = {"port": self.args.replica_port, "in_recovery": cr.fetchone()[0]}

    def replica_conn(self, dbname="postgres"):
        conn = psycopg2.connect(host="127.0.0.1", port=self.args.replica_port, dbname=dbname)
        conn.autocommit = True
        return conn

    def catch_up(self, timeout=30):
        """Wait until the replica has replayed everything the primary wrote so far; the lag (s)."""
        t0 = time.time()
        target = self.primary("SELECT pg_current_wal_lsn()")[0]
        with contextlib.closing(self.replica_conn()) as conn, conn.cursor() as cr:
            while time.time() - t0 < timeout:
                cr.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
                if cr.fetchone()[0]:
                    return time.time() - t0
                time.sleep(0.01)
        raise RuntimeError("the replica did not catch up")

    def stop_replica(self):
        if (self.data_dir / "PG_VERSION").exists():
            as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop"], check=False)
        if self.data_dir.exists():
            as_postgres(["rm", "-rf", str(self.data_dir)], check=False)
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def start_server(self):
        cmd = [
            *self.base,
            "-d",
            self.db,  # --database alone, as docker-compose.yml runs Odoo (no per-request database listing)
            f"--http-port={self.args.port}",
            "--http-interface=127.0.0.1",
            f"--gevent-port={self.args.port + 1}",
            "--workers=2",
            "--max-cron-threads=1",  # delivers the webhooks, on the primary
            "--db_replica_host=127.0.0.1",
            f"--db_replica_port={self.args.replica_port}",
            "--log-level=info",
            f"--logfile={self.log}",
        ]
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.log.write_text("")
        self.server = subprocess.Popen(
            cmd, env=self.env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        if not rt._wait_health(self.url, self.server):
            sys.exit(f"replica: the server did not start, see {self.log}")

    def stop_server(self):
        if self.server:
            rt._stop(self.server)
            self.server = None

    # -- statistics -------------------------------------------------------------------------------------
    def stats(self):
        """{cluster: {"db": pg_stat_database figures, table: pg_stat_user_tables figures}} of both
        clusters, once every backend has flushed its figures."""
        time.sleep(STATS_FLUSH)
        out = {}
        for name, connect in (
            ("primary", lambda: rt.pg_connect(self.db)),
            ("replica", lambda: self.replica_conn(self.db)),
        ):
            conn = connect()
            try:
                with conn.cursor() as cr:
                    cr.execute(
                        "SELECT xact_commit, xact_rollback, tup_returned, tup_fetched, tup_inserted, tup_updated, "
                        "tup_deleted FROM pg_stat_database WHERE datname = current_database()"
                    )
                    cols = [d[0] for d in cr.description]
                    figures = {"db": dict(zip(cols, cr.fetchone(), strict=True))}
                    cr.execute(
                        "SELECT relname, seq_scan, COALESCE(idx_scan, 0), n_tup_ins, n_tup_upd, n_tup_del "
                        "FROM pg_stat_user_tables WHERE relname = ANY(%s)",
                        [list(TABLES)],
                    )
                    for relname, seq, idx, ins, upd, dele in cr.fetchall():
                        figures[relname] = {"scans": seq + idx, "inserted": ins, "updated": upd, "deleted": dele}
            finally:
                conn.close()
            out[name] = figures
        return out

    @staticmethod
    def delta(before, after):
        return {
            cluster: {
                what: {k: after[cluster][what][k] - before[cluster][what].get(k, 0) for k in after[cluster][what]}
                for what in after[cluster]
            }
            for cluster in after
        }

    def rate_counts(self):
        """Requests counted per key of this bench, on the primary."""
        sql = (
            "SELECT k.name, COALESCE(SUM(r.count), 0) FROM res_users_apikeys k "
            "LEFT JOIN fsm_api_rate_limit r ON r.apikey_id = k.id WHERE k.name LIKE %s GROUP BY k.name"
        )
        return dict(self.primary(sql, ["replica bench%"], dbname=self.db, fetch="all"))

    def count(self, sql, params=()):
        return self.primary(sql, params, dbname=self.db)[0]

    # -- the load ---------------------------------------------------------------------------------------
    def session(self, key=None):
        session = requests.Session()
        session.headers.update({"X-API-Key": key or self.key, "Content-Type": "application/json"})
        return session

    def get_paths(self, jobs, attachment):
        job = jobs[0]
        fields = "name,partner_id,stage_id,scheduled_date_start,location_id"
        return [
            (f"{API}/object/fsm.order", {"limit": 50, "fields": fields, "order": "id desc"}),
            (f"{API}/object/fsm.order/{job}", None),
            (f"{API}/object/fsm.order/{jobs[1]}", {"fields": fields}),
            (f"{API}/object/fsm.order/{job}/attachments", None),
            (f"{API}/object/fsm.order/{job}/attachments/{attachment}", None),
            (f"{API}/object/fsm.order/{job}/signature", None),
            (f"{API}/fsm/dashboard", None),
            (f"{API}/changes/fsm.order", {"limit": 100}),
            (f"{API}/object/fsm.stage", None),
        ]

    def warm_up(self):
        api = self.session()
        resp = api.post(f"{self.url}{API}/object/fsm.webhook", json={"name": "replica bench", "url": self.hook_url})
        resp.raise_for_status()
        partner = api.post(f"{self.url}{API}/object/res.partner", json={"name": "Replica Bench Customer"})
        partner.raise_for_status()
        self.partner = partner.json()["res.partner"]["id"]
        batch = [{"partner_id": self.partner, "description": f"<p>seed {i}</p>"} for i in range(100)]
        resp = api.post(f"{self.url}{API}/object/fsm.order", json=batch, params={"fields": "id"}, timeout=300)
        resp.raise_for_status()
        jobs = [row["id"] for row in resp.json()["fsm.order"]]
        upload = requests.post(
            f"{self.url}{API}/object/fsm.order/{jobs[0]}/attachments",
            headers={"X-API-Key": self.key},
            files={"file": ("note.txt", b"replica bench", "text/plain")},
            timeout=60,
        )
        upload.raise_for_status()
        attachment = upload.json()["attachments"][0]["id"]
        deadline = time.time() + 120  # the seed jobs' webhook deliveries (the cron reads jobs, on the primary)
        while time.time() < deadline and len(self.receiver.of(set(jobs))) < len(jobs):
            time.sleep(0.2)
        self.catch_up()
        for path, params in [*self.get_paths(jobs, attachment), (f"{API}/openapi.json", None)] * 4:
            resp = api.get(f"{self.url}{path}", params=params, timeout=120)
            resp.raise_for_status()
        return jobs, attachment

    def get_phase(self, jobs, attachment):
        """GETs of every read route (4 clients), a key over its limit, refused keys."""
        paths = self.get_paths(jobs, attachment)
        plan = [paths[i % len(paths)] for i in range(self.args.gets - 2)] + [(f"{API}/openapi.json", None)] * 2
        statuses, times = {}, []
        local = threading.local()

        def one(item):
            if not hasattr(local, "api"):
                local.api = self.session()
            path, params = item
            t0 = time.perf_counter()
            resp = local.api.get(f"{self.url}{path}", params=params, timeout=120)
            times.append((time.perf_counter() - t0) * 1000)
            return resp.status_code

        with ThreadPoolExecutor(4) as pool:
            for status in pool.map(one, plan):
                statuses[status] = statuses.get(status, 0) + 1
        tight = self.session(self.tight_key)
        if time.time() % 60 > 50:  # its 12 requests in one rate-limit window (fixed, 60 s)
            time.sleep(61 - time.time() % 60)
        limited = [tight.get(f"{self.url}{API}/object/fsm.stage", timeout=60).status_code for _i in range(12)]
        refused = [
            requests.get(
                f"{self.url}{API}/object/fsm.stage", headers={"X-API-Key": self.key[:8] + "0" * 32}, timeout=60
            ).status_code
            for _i in range(5)
        ]
        return {
            "gets": len(plan),
            "job_gets": sum(1 for path, _params in plan if re.fullmatch(rf"{API}/object/fsm\.order(/\d+)?", path)),
            "statuses": statuses,
            "median_ms": round(statistics.median(times), 1),
            "tight_key_statuses": limited,
            "refused_key_statuses": refused,
        }

    def write_phase(self, jobs):
        """Creates with an Idempotency-Key (each sent twice), updates, then the change feed after them."""
        api = self.session()
        feed_start = api.get(f"{self.url}{API}/changes/fsm.order", params={"limit": 1000}, timeout=120).json()
        cursor = feed_start["cursor"]
        while feed_start["has_more"]:
            feed_start = api.get(f"{self.url}{API}/changes/fsm.order", params={"cursor": cursor}, timeout=120).json()
            cursor = feed_start["cursor"]
        creates = self.args.writes // 2
        created, replays_equal, statuses = [], 0, {}
        for i in range(creates):
            key = uuid.uuid4().hex
            body = {"partner_id": self.partner, "description": f"<p>replica write {i}</p>"}
            first = api.post(f"{self.url}{API}/object/fsm.order", json=body, headers={"Idempotency-Key": key})
            again = api.post(f"{self.url}{API}/object/fsm.order", json=body, headers={"Idempotency-Key": key})
            for resp in (first, again):
                statuses[resp.status_code] = statuses.get(resp.status_code, 0) + 1
            created.append(first.json()["fsm.order"]["id"])
            replays_equal += again.json() == first.json() and again.headers.get("Idempotency-Replayed") == "true"
        updated = jobs[: self.args.writes - creates]
        for n, job in enumerate(updated):
            resp = api.put(f"{self.url}{API}/object/fsm.order/{job}", json={"description": f"<p>updated {n}</p>"})
            statuses[resp.status_code] = statuses.get(resp.status_code, 0) + 1
        lag = self.catch_up()
        expected = set(created) | set(updated)
        feed = self.read_feed(api, cursor, expected)
        deadline = time.time() + 60
        while time.time() < deadline and len({b["data"]["id"] for _m, b in self.receiver.of(expected)}) < len(expected):
            time.sleep(0.2)
        time.sleep(2)  # a duplicate delivery would arrive meanwhile
        messages = self.receiver.of(expected)
        events = {}
        for _msg_id, body in messages:
            events[(body["data"]["id"], body["type"])] = events.get((body["data"]["id"], body["type"]), 0) + 1
        return {
            "writes": 2 * creates + len(updated),
            "statuses": statuses,
            "created": len(created),
            "idempotent_replays_equal": replays_equal,
            "updated": len(updated),
            "replica_lag_after_writes_ms": round(lag * 1000, 1),
            "feed": feed,
            "webhook_messages": len(messages),
            "webhook_distinct_ids": len({m for m, _b in messages}),
            "webhook_events_not_once": {f"{k[0]} {k[1]}": v for k, v in events.items() if v != 1},
            "webhook_jobs_without_event": sorted(expected - {k[0] for k in events}),
        }

    def read_feed(self, api, cursor, expected, timeout=150):
        """The change feed after ``cursor``, read (on the replica) until it gave every job in
        ``expected``. The feed holds back changes of transactions younger than the oldest one still
        running in the whole cluster (commit-safe order: README, "Change feed"), on the primary as on a
        replica: on a shared machine another database's long transaction may hold it back. A change
        still missing then is told apart from a lost one by its transaction id against the horizon."""
        seen, pages, t0 = set(), 0, time.time()
        while True:
            page = api.get(f"{self.url}{API}/changes/fsm.order", params={"cursor": cursor}, timeout=120).json()
            pages += 1
            seen |= {change["id"] for change in page["changes"]}
            cursor = page["cursor"]
            if page["has_more"]:
                continue
            if expected <= seen or time.time() - t0 > timeout:
                break
            time.sleep(1)
        with contextlib.closing(self.replica_conn(self.db)) as conn, conn.cursor() as cr:
            cr.execute("SELECT txid_snapshot_xmin(txid_current_snapshot())")
            replica_horizon = cr.fetchone()[0]
        missing = sorted(expected - seen)
        txids = dict(
            self.primary(
                "SELECT res_id, max(txid) FROM fsm_api_change WHERE model = 'fsm.order' AND res_id = ANY(%s) "
                "GROUP BY res_id",
                [missing],
                dbname=self.db,
                fetch="all",
            )
            if missing
            else []
        )
        return {
            "pages_on_replica": pages,
            "complete_after_s": round(time.time() - t0, 1) if not missing else None,
            "missing": missing,
            "missing_held_back_by_an_older_transaction": [j for j in missing if txids.get(j, 0) >= replica_horizon],
            "replica_horizon": replica_horizon,
            "primary_horizon": self.primary("SELECT txid_snapshot_xmin(txid_current_snapshot())")[0],
        }

    def request_log(self):
        """Odoo's request lines of the API by method and cursor (ro, rw, ro->rw), and its warnings."""
        text = self.log.read_text(errors="replace")
        modes = {}
        for method, path, _status, mode in REQUEST_RE.findall(text):
            if path.startswith(API):
                key = f"{method} {mode}"
                modes[key] = modes.get(key, 0) + 1
        return {
            "api_requests_by_method_and_cursor": modes,
            "retried_on_primary_warnings": text.count("retrying with a read/write cursor"),
            "replica_unavailable_warnings": text.count("Failed to open a readonly cursor"),
            "error_lines": len(re.findall(r"^\S+ \S+ \d+ (?:ERROR|CRITICAL) ", text, re.MULTILINE)),
        }

    # -- the run ----------------------------------------------------------------------------------------
    def run(self):
        say(f"replica bench: database {self.db}, Odoo on {self.url}, replica on 127.0.0.1:{self.args.replica_port}")
        self.prepare_db()
        self.start_replica()
        self.receiver = Receiver(self.args.receiver_port)
        self.hook_url = f"http://127.0.0.1:{self.args.receiver_port}/hooks/replica"
        self.start_server()
        say("   warming up (seed 100 jobs, a file, a webhook; every GET route)")
        jobs, attachment = self.warm_up()
        rates_before = self.rate_counts()
        failures_before = self.count("SELECT count(*) FROM fsm_api_auth_failure")
        s0 = self.stats()
        say(f"   GET phase: {self.args.gets} GETs")
        gets = self.get_phase(jobs, attachment)
        s1 = self.stats()
        rates_after = self.rate_counts()
        failures_after = self.count("SELECT count(*) FROM fsm_api_auth_failure")
        say(f"   write phase: {self.args.writes} writes")
        writes = self.write_phase(jobs)
        s2 = self.stats()
        self.stop_server()
        get_delta, write_delta = self.delta(s0, s1), self.delta(s1, s2)
        log = self.request_log()
        rate_delta = {k: rates_after.get(k, 0) - rates_before.get(k, 0) for k in rates_after}
        gets.update(
            rate_limit_counts_on_primary=rate_delta,
            auth_failures_counted_on_primary=failures_after - failures_before,
        )
        replica_reads_of_state = {
            t: get_delta["replica"].get(t, {}).get("scans", 0) + write_delta["replica"].get(t, {}).get("scans", 0)
            for t in API_STATE
        }
        primary_writes_of_state = {
            t: sum(write_delta["primary"].get(t, {}).get(k, 0) for k in ("inserted", "updated"))
            + sum(get_delta["primary"].get(t, {}).get(k, 0) for k in ("inserted", "updated"))
            for t in API_STATE
        }
        modes = log["api_requests_by_method_and_cursor"]
        checks = {
            "every_get_answered": gets["statuses"] == {200: gets["gets"]},
            "gets_read_jobs_on_the_replica": get_delta["replica"]["fsm_order"]["scans"] >= gets["job_gets"],
            "gets_read_no_job_on_the_primary": get_delta["primary"]["fsm_order"]["scans"] == 0,
            "replica_committed_the_gets": get_delta["replica"]["db"]["xact_commit"] >= gets["gets"],
            "api_gets_ran_read_only": modes.get("GET rw", 0) == 0 and modes.get("GET ro->rw", 0) == 0,
            "writes_ran_on_the_primary": all(k.endswith(" rw") for k in modes if not k.startswith("GET ")),
            "jobs_written_on_the_primary": write_delta["primary"]["fsm_order"]["inserted"] == writes["created"],
            "api_state_never_read_on_the_replica": not any(replica_reads_of_state.values()),
            "api_state_written_on_the_primary": all(
                primary_writes_of_state[t] > 0 for t in ("fsm_api_rate_limit", "fsm_api_idempotency", "fsm_api_audit")
            ),
            "rate_limit_counts_every_get_on_the_primary": rate_delta.get("replica bench tight") == 12
            and rate_delta.get("replica bench") == gets["gets"],
            "tight_key_throttled": gets["tight_key_statuses"] == [200] * 5 + [429] * 7,
            "refused_keys_counted_on_the_primary": gets["auth_failures_counted_on_primary"] == 5,
            "idempotent_replays_equal": writes["idempotent_replays_equal"] == writes["created"],
            # every change is in the feed, or held back (by design) behind an older transaction
            "feed_on_the_replica_loses_no_write": writes["feed"]["missing"]
            == writes["feed"]["missing_held_back_by_an_older_transaction"],
            "each_webhook_event_once": not writes["webhook_events_not_once"]
            and not writes["webhook_jobs_without_event"]
            and writes["webhook_distinct_ids"] == writes["webhook_messages"],
            "no_get_retried_on_the_primary": log["retried_on_primary_warnings"] == 0,
            "replica_always_available": log["replica_unavailable_warnings"] == 0,
        }
        self.summary.update(
            get_phase=gets,
            write_phase=writes,
            odoo_log=log,
            statistics={"get_phase": get_delta, "write_phase": write_delta},
            replica_reads_of_api_state=replica_reads_of_state,
            primary_writes_of_api_state=primary_writes_of_state,
            checks=checks,
            ok=all(checks.values()),
        )
        return self.summary["ok"]

    def clean_up(self):
        self.stop_server()
        if self.receiver:
            self.receiver.stop()
        self.stop_replica()
        if self.hba_added:
            hba = PRIMARY_CONF / "pg_hba.conf"
            hba.write_text("".join(line for line in hba.read_text().splitlines(True) if HBA_MARK not in line))
            subprocess.run(["pg_ctlcluster", PG_VERSION, "main", "reload"], check=False)
        if not self.args.keep_db:
            rt.db_drop(self.db)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="fsj_x_replica", help="database to create (dropped afterwards)")
    parser.add_argument("--port", type=int, default=8472, help="Odoo's HTTP port (and the next one for gevent)")
    parser.add_argument("--receiver-port", type=int, default=8474, help="the webhook receiver's port")
    parser.add_argument("--replica-port", type=int, default=5433, help="the standby cluster's port")
    parser.add_argument("--gets", type=int, default=400, help="GETs of the GET phase")
    parser.add_argument("--writes", type=int, default=40, help="writes of the write phase")
    parser.add_argument("--keep-db", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    if os.geteuid() != 0 and getpass.getuser() != "postgres":
        sys.exit("replica: run as root (pg_basebackup and pg_ctl run as the postgres OS user)")
    bench = ReplicaBench(args)
    ok = False

    def interrupted(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    try:
        ok = bench.run()
    finally:
        bench.clean_up()
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    out = results / f"replica-{datetime.datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(bench.summary, indent=2, sort_keys=True) + "\n")
    print(json.dumps(bench.summary, indent=2, sort_keys=True))
    say(f"replica bench: {'all checks hold' if ok else 'SOME CHECKS FAILED'}; results in {out.relative_to(ROOT)}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
