"""Benchmark of the REST API against Odoo's own JSON-RPC / XML-RPC, on one server. See README.rst,
"Performance". Not a test: run it by hand (it takes minutes, 100,000 jobs take longer to seed):

    python3 bench/run_bench.py                     # sizes 1000,10000,100000
    python3 bench/run_bench.py --sizes 1000,10000 --requests 200
    python3 bench/run_bench.py --sizes 1000 --what batch,floor --db fsj_x_bench --port 8460

It copies the template database of ./run-tests (OCA addons installed), installs fieldservice_jobs, then
for each size grows the database to that many jobs and measures, interleaving A/B so that machine noise
falls on both sides (medians). The server runs with --workers 2 and --database alone, as in production
(docker-compose.yml; --db-filter: as the runs before 2026-12-01). Results go to bench/results/<time>.json
and a table on stdout.

What is measured (--what, all by default):
- ab: list of 50, detail and create, REST against JSON-RPC; SQL queries per list request.
- floor: the floor of the list of 50 (the least any HTTP API could take for it on this server): the round
  trip of the same request to a trivial route (GET /restapi/1.0/ with the list's query string and
  headers: a JSON 404 through Odoo's request handling; the client encodes and Odoo parses the same URL)
  plus the page's SQL alone (the queries the list request runs, captured in process, less those the
  trivial route runs too, executed and timed on their own connection); interleaved, medians.
  ratio_floor_list50 = list of 50 / floor. The trivial route without the query string (the runs before
  2026-12-01 took it) is timed too: ratio_floor_list50_bare.
- batch: a batch create of 1,000 jobs in one REST request against 1,000 XML-RPC creates, interleaved
  over --batch-rounds rounds (medians; smallest size only).
- throughput: requests per second at 1, 4 and 16 clients (smallest size only).
- feed: the change feed's page (GET /restapi/1.0/changes/fsm.order, 100 changes after a cursor near
  the log's end) with 10,000 and then 1,000,000 rows in fsm_api_change (seeded with SQL, largest size
  only); feed_page_cost_ratio = the page at 1,000,000 / at 10,000.
- outbox: webhooks (smallest size; the server restarted with one cron worker, which delivers, beside
  its 2 HTTP workers): a receiver on 127.0.0.1, one subscription; commit-to-receipt latency of 30
  updates one at a time (p50, p95), then the events per second of a batch of 1,000 created jobs.
- replica: bench/replica.py (a streaming replica made with pg_basebackup: GETs served by it, the API's
  state written to and read from the primary only), its checks in the results.
- soak: bench/soak.py --requests 100000 (mixed load, a worker killed, PostgreSQL restarted: HTML
  answers, lost acknowledged writes, each worker's RSS over the run), its figures in the results.
  About half an hour: leave it out (--what) for a quick run.

replica and soak run after the sizes, on databases and clusters of their own.
"""

import argparse
import base64
import datetime
import http.server
import json
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import xmlrpc.client
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import run_tests as rt  # noqa: E402

TODAY_FIELDS = ["name", "partner_id", "scheduled_date_start", "stage_id", "person_id", "location_id"]
DETAIL_FIELDS = [
    "name", "partner_id", "location_id", "sale_order_id", "scheduled_date_start", "scheduled_date_end",
    "date_start", "date_end", "stage_id", "person_id", "description", "duration",
]  # fmt: skip
RPC_DETAIL_FIELDS = [("sale_id" if f == "sale_order_id" else "scheduled_duration" if f == "duration" else f)
                     for f in DETAIL_FIELDS]  # fmt: skip
WHAT = ("ab", "floor", "batch", "throughput", "feed", "outbox", "replica", "soak")
# run by `odoo-bin shell`: the SQL of the trivial route and of one list request, through Odoo's WSGI
# application in process, each query with its parameters inlined (cursor.mogrify)
FLOOR_CAPTURE = """
import json, os
import odoo
from odoo.sql_db import Cursor
from werkzeug.test import Client

captured = []
execute = Cursor.execute


def capture(self, query, params=None, log_exceptions=True):
    if self.dbname == env.cr.dbname:
        captured.append(self.mogrify(query, params).decode())
    return execute(self, query, params, log_exceptions)


client = Client(odoo.http.root)
headers = {"X-API-Key": os.environ["FSJ_BENCH_KEY"]}
params = json.loads(os.environ["FSJ_BENCH_PARAMS"])
for _i in range(3):  # warm: caches, as on a running server
    client.get("/restapi/1.0/", query_string=params, headers=headers)
    client.get("/restapi/1.0/object/fsm.order", query_string=params, headers=headers)
Cursor.execute = capture
client.get("/restapi/1.0/", query_string=params, headers=headers)
trivial, captured[:] = list(captured), []
resp = client.get("/restapi/1.0/object/fsm.order", query_string=params, headers=headers)
Cursor.execute = execute
print("FSJ-BENCH-SQL", json.dumps({"status": resp.status_code, "trivial": trivial, "list": captured}))
"""
WERKZEUG_RE = re.compile(r'"(GET|POST|PUT) (\S+) HTTP/[\d.]+" (\d+) - (\d+) ([\d.]+) ([\d.]+)')


def encode_cursor(position):
    """A change feed cursor (restapi/feed.py, encode_cursor)."""
    raw = json.dumps(dict(position, v=1), separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class Bench:
    def __init__(self, args):
        self.args = args
        found, why = rt.find_odoo()
        if not found:
            sys.exit(f"bench: no Odoo 18 ({why})")
        self.version, src_dir, self.env = found
        self.odoo_cmd = rt.odoo_command(src_dir)
        oca_dir, _key = rt.fetch_oca(self.env)
        link = rt.WORK / "addons" / rt.MODULE
        link.parent.mkdir(parents=True, exist_ok=True)
        if not link.exists():
            link.symlink_to(ROOT, target_is_directory=True)
        addons = [str(p) for p in (src_dir / "addons", src_dir / "odoo" / "addons") if p.is_dir()]
        opts = [
            f"--addons-path={','.join([*addons, str(oca_dir), str(link.parent)])}",
            f"--data-dir={rt.WORK / 'data'}",
            *rt.db_options(),
        ]
        self.base = [*self.odoo_cmd, *opts]
        self.shell = [*self.odoo_cmd, "shell", *opts]
        self.db = args.db
        self.log = rt.LOGS / f"bench-server-{self.db}.log"
        self.server = None
        self.results = {"odoo": self.version, "date": datetime.datetime.now().isoformat(timespec="seconds"),
                        "workers": args.workers, "db_filter": args.db_filter, "requests": args.requests,
                        "sizes": {}}  # fmt: skip

    # -- database and server --------------------------------------------------------------------
    def prepare(self):
        if self.args.reuse and rt.db_exists(self.db):
            return
        templates = [t for t in self._databases() if t.startswith("fsj_tmpl_") and not t.endswith("_building")]
        if not templates:
            sys.exit("bench: run ./run-tests once first (it builds the template database)")
        rt.db_drop(self.db)
        rt.db_copy(templates[0], self.db)
        rc = rt.run([*self.base, "-d", self.db, "-i", rt.MODULE, "--stop-after-init", "--no-http"],
                    log=rt.LOGS / "bench-install.log", env=self.env)  # fmt: skip
        if rc:
            sys.exit("bench: install failed, see .odoo-test/logs/bench-install.log")

    def _databases(self):
        with rt.pg_connect() as conn, conn.cursor() as cr:
            cr.execute("SELECT datname FROM pg_database ORDER BY datname DESC")
            return [r[0] for r in cr.fetchall()]

    def shell_run(self, script, extra_env=None):
        proc = subprocess.run(
            [*self.shell, "-d", self.db, "--no-http", "--max-cron-threads=0", "--log-level=warn"],
            input=script, text=True, capture_output=True, env=dict(self.env, **(extra_env or {})), check=False,
        )  # fmt: skip
        return proc.stdout + proc.stderr

    def seed(self, size):
        t0 = time.time()
        out = self.shell_run((ROOT / "bench" / "seed.py").read_text(), {"FSJ_BENCH_SIZE": str(size)})
        match = re.search(r"FSJ-BENCH-SIZE (\d+)", out)
        if not match:
            sys.exit(f"bench: seeding failed:\n{out[-3000:]}")
        print(f"   seeded {match.group(1)} jobs in {time.time() - t0:.0f} s")
        # as autovacuum does on a live database: planner statistics and the visibility map
        conn = rt.pg_connect(self.db)
        try:
            with conn.cursor() as cr:
                cr.execute("VACUUM ANALYZE fsm_order")
        finally:
            conn.close()

    def api_key(self):
        out = self.shell_run(
            "print('KEY', env['res.users.apikeys'].with_user(env.ref('base.user_admin'))"
            "._generate(None, 'bench', None)); env.cr.commit()"
        )
        return re.search(r"KEY (\S+)", out).group(1)

    def start(self, cron_threads=0):
        self.port = self.args.port or rt.free_port()
        gevent_port = self.port + 1 if self.args.port else rt.free_port()
        # as docker-compose.yml runs it: --database alone (with --db-filter too, Odoo lists the databases
        # on a new PostgreSQL connection at every request without a session: every API call; --db-filter)
        db_filter = [f"--db-filter=^{self.db}$"] if self.args.db_filter else []
        cmd = [*self.base, "-d", self.db, *db_filter, f"--http-port={self.port}",
               "--http-interface=127.0.0.1", f"--gevent-port={gevent_port}", f"--workers={self.args.workers}",
               f"--max-cron-threads={cron_threads}", "--log-level=info", f"--logfile={self.log}"]  # fmt: skip
        self.server = subprocess.Popen(cmd, env=self.env, start_new_session=True,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        self.url = f"http://127.0.0.1:{self.port}"
        if not rt._wait_health(self.url, self.server):
            sys.exit("bench: server did not start")

    def stop(self):
        if self.server:
            rt._stop(self.server)

    # -- clients ---------------------------------------------------------------------------------
    def clients(self, key):
        rest = requests.Session()
        rest.headers.update({"X-API-Key": key, "Content-Type": "application/json"})
        rpc = requests.Session()
        uid = xmlrpc.client.ServerProxy(f"{self.url}/xmlrpc/2/common").authenticate(self.db, "admin", key, {})
        return rest, rpc, uid

    def jsonrpc(self, session, uid, key, model, method, args, kwargs=None):
        payload = {"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
            "service": "object", "method": "execute_kw",
            "args": [self.db, uid, key, model, method, args, kwargs or {}]}}  # fmt: skip
        resp = session.post(f"{self.url}/jsonrpc", json=payload, timeout=120)
        body = resp.json()
        if "error" in body:
            raise RuntimeError(body["error"])
        return body["result"]

    def ab(self, a, b, n):
        """Interleaved A/B: medians in ms of n runs each, alternating which goes first."""
        ta, tb = [], []
        for i in range(n):
            for first in ((a, ta), (b, tb)) if i % 2 else ((b, tb), (a, ta)):
                t0 = time.perf_counter()
                first[0]()
                first[1].append((time.perf_counter() - t0) * 1000)
        return statistics.median(ta), statistics.median(tb)

    def queries(self, rest, path, params):
        """SQL queries of one REST request, from the query count Odoo logs per HTTP request."""
        marker = f"q{time.time_ns()}"
        rest.get(f"{self.url}{path}", params=dict(params, _bench=marker), timeout=120).raise_for_status()
        for _i in range(50):
            for line in reversed(self.log.read_text(errors="replace").splitlines()):
                if marker in line and (m := WERKZEUG_RE.search(line)):
                    return int(m.group(4))
            time.sleep(0.1)
        return None

    def throughput(self, fn_factory, clients, seconds):
        stop = time.monotonic() + seconds
        counts = [0] * clients

        def worker(i):
            fn = fn_factory()
            while time.monotonic() < stop:
                fn()
                counts[i] += 1

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return sum(counts) / seconds

    # -- the measurements ------------------------------------------------------------------------
    def calls(self, key):
        """The A/B pairs (REST, JSON-RPC) of the list and detail requests, and what they need."""
        rest, rpc, uid = self.clients(key)
        stages = {s["code"]: s["id"] for s in rest.get(f"{self.url}/restapi/1.0/object/fsm.stage",
                  params={"fields": "code"}).json()["fsm.stage"] if s["code"]}  # fmt: skip
        day = datetime.date.today().isoformat()
        domain = [("scheduled_date_start", ">=", f"{day} 00:00:00"), ("stage_id", "not in",
                  [stages["completed"], stages["cancelled"]])]  # fmt: skip
        list_params = {"domain": str(domain), "fields": str(TODAY_FIELDS), "order": "scheduled_date_start", "limit": 50}

        def rest_list():
            rest.get(f"{self.url}/restapi/1.0/object/fsm.order", params=list_params, timeout=120).raise_for_status()

        def rpc_list():
            self.jsonrpc(rpc, uid, key, "fsm.order", "search_read", [domain],
                         {"fields": TODAY_FIELDS, "order": "scheduled_date_start", "limit": 50})  # fmt: skip

        job_id = self.jsonrpc(rpc, uid, key, "fsm.order", "search", [[]], {"limit": 1, "order": "id desc"})[0]

        def rest_detail():
            rest.get(f"{self.url}/restapi/1.0/object/fsm.order/{job_id}", params={"fields": str(DETAIL_FIELDS)},
                     timeout=120).raise_for_status()  # fmt: skip

        def rpc_detail():
            self.jsonrpc(rpc, uid, key, "fsm.order", "read", [[job_id]], {"fields": RPC_DETAIL_FIELDS})

        return {"list": (rest_list, rpc_list), "detail": (rest_detail, rpc_detail), "clients": (rest, rpc, uid),
                "list_params": list_params, "domain": domain}  # fmt: skip

    def measure(self, size, key):
        calls = self.calls(key)
        rest, rpc, uid = calls["clients"]
        list_params, domain = calls["list_params"], calls["domain"]
        partner = self.jsonrpc(rpc, uid, key, "res.partner", "search", [[("name", "=like", "Bench Customer %")]],
                               {"limit": 1})[0]  # fmt: skip
        res = {}
        if "ab" in self.args.what:
            res.update(self.measure_ab(calls, partner, key, uid))
        if "floor" in self.args.what:
            res.update(self.floor(key, calls))
        if size == min(self.args.sizes):
            if "batch" in self.args.what:
                res.update(self.batch(rest, partner, key, uid))
            if "throughput" in self.args.what:
                res.update(self.throughputs(key, uid, list_params, domain))
            if "outbox" in self.args.what:
                res.update(self.outbox(key, uid, partner))
        if size == max(self.args.sizes) and "feed" in self.args.what:
            res.update(self.feed(key))
        return {k: (round(v, 2) if isinstance(v, float) else v) for k, v in res.items()}

    def measure_ab(self, calls, partner, key, uid):
        rest, rpc, uid = calls["clients"]
        n = self.args.requests
        res = {}
        res["list50_rest_ms"], res["list50_jsonrpc_ms"] = self.ab(*calls["list"], n)
        res["detail_rest_ms"], res["detail_jsonrpc_ms"] = self.ab(*calls["detail"], n)

        def rest_create():
            rest.post(f"{self.url}/restapi/1.0/object/fsm.order", json={"partner_id": partner},
                      params={"fields": "id"}, timeout=120).raise_for_status()  # fmt: skip

        def rpc_create():
            self.jsonrpc(rpc, uid, key, "fsm.order", "create", [{"partner_id": partner}])

        res["create_rest_ms"], res["create_jsonrpc_ms"] = self.ab(rest_create, rpc_create, max(20, n // 4))
        for limit in (50, 500):
            params = {"fields": str(TODAY_FIELDS), "limit": limit, "order": "id"}
            res[f"queries_list{limit}"] = self.queries(rest, "/restapi/1.0/object/fsm.order", params)
        for key_ratio, (a, b) in {"list50": ("list50_rest_ms", "list50_jsonrpc_ms"),
                                  "detail": ("detail_rest_ms", "detail_jsonrpc_ms"),
                                  "create": ("create_rest_ms", "create_jsonrpc_ms")}.items():  # fmt: skip
            res[f"ratio_{key_ratio}"] = round(res[a] / res[b], 3)
        return res

    def batch(self, rest, partner, key, uid):
        """A batch create of 1,000 jobs in one REST request against 1,000 XML-RPC creates: interleaved
        rounds (which goes first alternates), medians in seconds."""
        proxy = xmlrpc.client.ServerProxy(f"{self.url}/xmlrpc/2/object")

        def rest_batch(r):
            body = [{"partner_id": partner, "description": f"batch {r}-{i}"} for i in range(1000)]
            rest.post(f"{self.url}/restapi/1.0/object/fsm.order", json=body, params={"fields": "id"},
                      timeout=600).raise_for_status()  # fmt: skip

        def rpc_creates(r):
            for i in range(1000):
                proxy.execute_kw(
                    self.db, uid, key, "fsm.order", "create", [{"partner_id": partner, "description": f"x {r}-{i}"}]
                )

        rest_s, rpc_s = [], []
        for r in range(self.args.batch_rounds):
            sides = [(rest_batch, rest_s), (rpc_creates, rpc_s)]
            for fn, out in sides if r % 2 == 0 else reversed(sides):
                t0 = time.perf_counter()
                fn(r)
                out.append(time.perf_counter() - t0)
        print(f"   batch of 1,000: REST {[round(t, 2) for t in rest_s]} s, XML-RPC {[round(t, 1) for t in rpc_s]} s")
        rest_med, rpc_med = statistics.median(rest_s), statistics.median(rpc_s)
        return {"batch1000_rest_s": rest_med, "batch1000_xmlrpc_s": rpc_med,
                "batch_speedup": round(rpc_med / rest_med, 1), "batch_rounds": self.args.batch_rounds}  # fmt: skip

    # -- the floor of a list request ---------------------------------------------------------------
    def page_sql(self, key, list_params):
        """The SQL of one list request as the server runs it (captured in process through Odoo's WSGI
        application, parameters inlined), less the queries the trivial route runs too."""
        out = self.shell_run(FLOOR_CAPTURE, {"FSJ_BENCH_KEY": key, "FSJ_BENCH_PARAMS": json.dumps(list_params)})
        match = re.search(r"FSJ-BENCH-SQL (.*)", out)
        if not match:
            sys.exit(f"bench: capturing the page's SQL failed:\n{out[-3000:]}")
        captured = json.loads(match.group(1))
        if captured["status"] != 200:
            sys.exit(f"bench: the captured list request answered {captured['status']}")
        trivial = list(captured["trivial"])
        queries = []
        for query in captured["list"]:
            if query in trivial:
                trivial.remove(query)
            else:
                queries.append(query)
        return queries

    def floor(self, key, calls):
        """The list of 50 against its floor: the round trip of a trivial route plus the page's SQL
        alone, each interleaved with the others (medians)."""
        queries = self.page_sql(key, calls["list_params"])
        rest = calls["clients"][0]
        conn = rt.pg_connect(self.db)
        conn.autocommit = False
        conn.set_session(isolation_level="REPEATABLE READ")  # as Odoo's cursors

        def trivial(params=calls["list_params"]):  # the list's request, to a trivial route
            resp = rest.get(f"{self.url}/restapi/1.0/", params=params, timeout=120)
            if resp.status_code != 404:
                raise RuntimeError(f"GET /restapi/1.0/ answered {resp.status_code}")

        def trivial_bare():  # the runs before 2026-12-01: no query string
            trivial(None)

        def sql():
            with conn.cursor() as cr:
                for query in queries:
                    cr.execute(query)
                    if cr.description:
                        cr.fetchall()
            conn.rollback()

        times = {"list": [], "trivial": [], "trivial_bare": [], "sql": []}
        fns = [("list", calls["list"][0]), ("trivial", trivial), ("trivial_bare", trivial_bare), ("sql", sql)]
        for _i in range(10):  # warm up
            for _name, fn in fns:
                fn()
        for i in range(self.args.requests):
            for name, fn in fns[i % len(fns) :] + fns[: i % len(fns)]:
                t0 = time.perf_counter()
                fn()
                times[name].append((time.perf_counter() - t0) * 1000)
        conn.close()
        med = {name: statistics.median(values) for name, values in times.items()}
        floor = med["trivial"] + med["sql"]
        return {"floor_trivial_ms": med["trivial"], "floor_sql_ms": med["sql"], "floor_sql_queries": len(queries),
                "floor_ms": floor, "floor_list50_rest_ms": med["list"],
                "ratio_floor_list50": round(med["list"] / floor, 3),
                "floor_trivial_bare_ms": med["trivial_bare"],
                "ratio_floor_list50_bare": round(med["list"] / (med["trivial_bare"] + med["sql"]), 3)}  # fmt: skip

    # -- the change feed at 10,000 and 1,000,000 changes ---------------------------------------------
    def seed_changes(self, cr, table, total):
        """Fill ``table`` (a copy of fsm_api_change) with ``total`` rows of job updates (SQL: fast),
        spread uniformly over transactions that ended before any still running (rows a reader may
        take: see models/fsm_api_change.py), as a busy log is."""
        cr.execute(
            f"""
            WITH jobs AS (SELECT array_agg(id ORDER BY id) AS ids, count(*) AS n FROM fsm_order),
                 tx AS (SELECT txid_snapshot_xmin(txid_current_snapshot()) - 1 AS last)
            INSERT INTO {table} (model, res_id, operation, company_id, event_type, date, pending, txid)
            SELECT 'fsm.order', jobs.ids[1 + (g::bigint * 7919) %% jobs.n], 'write', 1, 'fsm.order.updated',
                   now() AT TIME ZONE 'UTC' - interval '1 day' * random(), false,
                   1 + floor(random() * (tx.last - 1))::bigint
              FROM generate_series(1, %s) AS g, jobs, tx
            """,
            (total,),
        )
        cr.execute(f"VACUUM ANALYZE {table}")  # as autovacuum does on a live database
        cr.execute(  # a cursor 250 changes before the end
            f"SELECT txid, id FROM {table} WHERE model = 'fsm.order' ORDER BY txid DESC, id DESC OFFSET 250 LIMIT 1"
        )
        return encode_cursor(dict(zip("ti", cr.fetchone(), strict=True)))

    def feed(self, key):
        """A page of 100 changes after a cursor near the log's end, with 10,000 and with 1,000,000 rows
        in the log: two copies of the log table, swapped under its name (a rename: instant) between
        blocks of requests, so that both are measured interleaved (medians of --requests requests)."""
        rest = requests.Session()
        rest.headers["X-API-Key"] = key
        conn = rt.pg_connect(self.db)
        sizes = {10_000: "fsm_api_change", 1_000_000: "fsm_bench_change_big"}
        out, cursors, times = {}, {}, {size: [] for size in sizes}
        try:
            with conn.cursor() as cr:
                t0 = time.time()
                cr.execute("DELETE FROM fsm_api_change")  # what the bench wrote: replaced
                cr.execute("DROP TABLE IF EXISTS fsm_bench_change_big")
                cr.execute("CREATE TABLE fsm_bench_change_big (LIKE fsm_api_change INCLUDING ALL)")
                for size, table in sizes.items():
                    cursors[size] = self.seed_changes(cr, table, size)
                print(f"   change logs of 10,000 and 1,000,000 rows in {time.time() - t0:.0f} s")
                live = 10_000  # the size whose table is named fsm_api_change

                def swap():
                    cr.execute(
                        "BEGIN; ALTER TABLE fsm_api_change RENAME TO fsm_bench_change_swap; "
                        "ALTER TABLE fsm_bench_change_big RENAME TO fsm_api_change; "
                        "ALTER TABLE fsm_bench_change_swap RENAME TO fsm_bench_change_big; COMMIT"
                    )

                def page(size):
                    resp = rest.get(f"{self.url}/restapi/1.0/changes/fsm.order", timeout=120,
                                    params={"cursor": cursors[size], "limit": 100})  # fmt: skip
                    resp.raise_for_status()
                    return resp.json()

                block = 10
                for r in range(2 * max(1, self.args.requests // block)):
                    size = 10_000 if r % 2 == 0 else 1_000_000
                    if size != live:
                        swap()
                        live = size
                    body = page(size)  # warm: the plan, the table's pages
                    if len(body["changes"]) < 50:  # several changes of one job in a page count once
                        raise RuntimeError(f"the feed page at {size} changes has {len(body['changes'])} changes")
                    for _i in range(block):
                        t0 = time.perf_counter()
                        page(size)
                        times[size].append((time.perf_counter() - t0) * 1000)
                if live != 10_000:
                    swap()
                cr.execute("DROP TABLE fsm_bench_change_big")
        finally:
            conn.close()
        for size in sizes:
            out[f"feed_page_{size}_ms"] = statistics.median(times[size])
        out["feed_page_cost_ratio"] = round(out["feed_page_1000000_ms"] / out["feed_page_10000_ms"], 2)
        return out

    def throughputs(self, key, uid, list_params, domain):
        out = {}
        for clients in (1, 4, 16):

            def rest_factory():
                session = requests.Session()
                session.headers["X-API-Key"] = key
                return lambda: session.get(f"{self.url}/restapi/1.0/object/fsm.order", params=list_params, timeout=120)

            def rpc_factory():
                session = requests.Session()
                kwargs = {"fields": TODAY_FIELDS, "order": "scheduled_date_start", "limit": 50}
                return lambda: self.jsonrpc(session, uid, key, "fsm.order", "search_read", [domain], kwargs)

            out[f"rps_rest_{clients}"] = self.throughput(rest_factory, clients, self.args.seconds)
            out[f"rps_jsonrpc_{clients}"] = self.throughput(rpc_factory, clients, self.args.seconds)
        return out

    # -- webhooks: the outbox's latency and throughput -------------------------------------------------
    def outbox(self, key, uid, partner):
        """Webhook deliveries with the server's 2 HTTP workers and one cron worker (restarted so): a
        receiver on 127.0.0.1 records each event's arrival; commit (the API's answer) to receipt of 30
        updates one at a time, then a batch of 1,000 created jobs delivered (events per second)."""
        self.stop()
        self.start(cron_threads=1)
        rest, rpc, uid = self.clients(key)
        for name, value in (("webhook_allow_private", "1"), ("webhook_retry_schedule", "2,2,2,2,2")):
            self.jsonrpc(rpc, uid, key, "ir.config_parameter", "set_param", [f"fieldservice_jobs.{name}", value])
        arrivals, lock = [], threading.Lock()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with lock:
                    arrivals.append((time.monotonic(), body["type"], body["data"].get("id")))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=receiver.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{receiver.server_address[1]}/hooks"
        resp = rest.post(f"{self.url}/restapi/1.0/object/fsm.webhook", json={"name": "bench", "url": url})
        resp.raise_for_status()
        hook = resp.json()["fsm.webhook"]["id"]

        def wait(predicate, timeout=180):
            deadline = time.monotonic() + timeout
            while not predicate():
                if time.monotonic() > deadline:
                    raise RuntimeError("bench: webhook events did not arrive")
                time.sleep(0.005)

        def of(job, kind):
            with lock:
                return [a for a in arrivals if a[2] == job and a[1] == kind]

        try:
            job = rest.post(f"{self.url}/restapi/1.0/object/fsm.order", json={"partner_id": partner}).json()
            job = job["fsm.order"]["id"]
            wait(lambda: of(job, "job.created"))
            latencies = []
            for n in range(30):
                before = len(of(job, "job.updated"))
                sent = time.monotonic()
                rest.put(f"{self.url}/restapi/1.0/object/fsm.order/{job}", json={"description": f"<p>{n}</p>"},
                         timeout=120).raise_for_status()  # fmt: skip
                wait(lambda before=before: len(of(job, "job.updated")) > before)
                latencies.append((of(job, "job.updated")[-1][0] - sent) * 1000)
            latencies.sort()
            sent = time.monotonic()
            resp = rest.post(f"{self.url}/restapi/1.0/object/fsm.order", params={"fields": "id"}, timeout=600,
                             json=[{"partner_id": partner} for _i in range(1000)])  # fmt: skip
            resp.raise_for_status()
            committed = time.monotonic()
            ids = {row["id"] for row in resp.json()["fsm.order"]}

            def arrived():
                with lock:
                    return len({a[2] for a in arrivals if a[1] == "job.created" and a[2] in ids})

            wait(lambda: arrived() == len(ids), timeout=600)
            seconds = time.monotonic() - committed
        finally:
            rest.delete(f"{self.url}/restapi/1.0/object/fsm.webhook/{hook}")
            receiver.shutdown()
            receiver.server_close()
            self.stop()
            self.start()
        return {"outbox_latency_p50_ms": statistics.median(latencies),
                "outbox_latency_p95_ms": latencies[int(len(latencies) * 0.95) - 1],
                "outbox_events": len(ids), "outbox_seconds": seconds, "outbox_events_per_s": len(ids) / seconds,
                "outbox_batch_request_s": committed - sent}  # fmt: skip

    # -- the replica and the soak: their own scripts, databases and clusters ----------------------
    def script(self, name, *args):
        """Run bench/<name>.py, print its output as it comes; (exit status, its results JSON)."""
        print(f"== {name}")
        proc = subprocess.Popen([sys.executable, str(ROOT / "bench" / f"{name}.py"), *args], env=self.env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
        found = None
        for line in proc.stdout:
            if line.startswith(("{", "}", " ", '"')):
                continue  # its JSON summary: read from its file below
            print(f"   {line.rstrip()}"[:300])
            if match := re.search(r"results in (bench/results/\S+\.json)", line):
                found = match.group(1)
        rc = proc.wait()
        return rc, found, (json.loads((ROOT / found).read_text()) if found else None)

    def replica(self):
        rc, found, summary = self.script("replica")
        if not summary:
            return {"ok": False, "exit_status": rc}
        checks = summary.get("checks", {})
        by_cursor = summary.get("odoo_log", {}).get("api_requests_by_method_and_cursor")
        return {"ok": bool(summary.get("ok")) and rc == 0, "results": found,
                "checks_held": sum(map(bool, checks.values())), "checks": len(checks),
                "failed": sorted(k for k, v in checks.items() if not v),
                "api_requests_by_method_and_cursor": by_cursor,
                "replica_reads_of_api_state": summary.get("replica_reads_of_api_state")}  # fmt: skip

    def soak(self):
        rc, found, summary = self.script("soak", "--requests", str(self.args.soak_requests))
        if not summary:
            return {"ok": False, "exit_status": rc}
        workers = summary.get("memory", {}).get("workers", {})
        return {"ok": bool(summary.get("ok")) and rc == 0, "results": found, "requests": summary.get("requests"),
                "requests_per_s": summary.get("requests_per_s"), "html_answers": summary.get("html_answers"),
                "detail_404_for_existing_jobs": summary.get("detail_404_for_existing_jobs"),
                "server_errors_other_than_503": summary.get("server_errors_other_than_503"),
                "acknowledged_lost": summary.get("writes", {}).get("acknowledged_lost"),
                "duplicates": summary.get("writes", {}).get("duplicates"),
                "killed_worker_requests_without_answer": summary.get("worker_kill", {}).get("requests_without_answer"),
                "pg_restart": summary.get("pg_restart"),
                "rss_kib": {pid: {k: w.get(k) for k in ("start_kib", "end_kib", "max_kib", "growth_kib")}
                            for pid, w in workers.items()}}  # fmt: skip

    def run(self):
        self.prepare()
        key = None
        try:
            for size in self.args.sizes:
                print(f"== {size} jobs")
                self.stop()
                self.seed(size)
                key = key or self.api_key()
                self.start()
                self.results["sizes"][str(size)] = self.measure(size, key)
                print(json.dumps(self.results["sizes"][str(size)], indent=1))
        finally:
            self.stop()
        for name in ("replica", "soak"):
            if name in self.args.what:
                self.results[name] = getattr(self, name)()
                print(json.dumps(self.results[name], indent=1))
        sizes = self.results["sizes"]
        small, large = str(min(self.args.sizes)), str(max(self.args.sizes))
        if small != large and "ab" in self.args.what:
            self.results["page_cost_ratio"] = round(sizes[large]["list50_rest_ms"] / sizes[small]["list50_rest_ms"], 2)
        out = ROOT / "bench" / "results"
        out.mkdir(exist_ok=True)
        path = out / f"{datetime.datetime.now():%Y%m%d-%H%M%S}.json"
        path.write_text(json.dumps(self.results, indent=1) + "\n")
        print(f"results: {path.relative_to(ROOT)}")
        self.table()
        if not self.args.keep_db:
            rt.db_drop(self.db)

    def table(self):
        sizes = self.results["sizes"]
        if "ab" in self.args.what:
            print("\n| jobs | list-50 REST/JSON-RPC ms | ratio | detail REST/JSON-RPC ms | ratio | "
                  "create ratio | queries list 50 / 500 |")  # fmt: skip
            print("|---|---|---|---|---|---|---|")
            for size, r in sizes.items():
                print(f"| {size} | {r['list50_rest_ms']} / {r['list50_jsonrpc_ms']} | {r['ratio_list50']} | "
                      f"{r['detail_rest_ms']} / {r['detail_jsonrpc_ms']} | {r['ratio_detail']} | "
                      f"{r['ratio_create']} | {r['queries_list50']} / {r['queries_list500']} |")  # fmt: skip
        if "floor" in self.args.what:
            print("\n| jobs | list-50 ms | trivial route ms (bare) | page SQL ms (queries) | floor ms | list / floor "
                  "(bare) |")  # fmt: skip
            print("|---|---|---|---|---|---|")
            for size, r in sizes.items():
                print(f"| {size} | {r['floor_list50_rest_ms']} | {r['floor_trivial_ms']} "
                      f"({r['floor_trivial_bare_ms']}) | {r['floor_sql_ms']} ({r['floor_sql_queries']}) | "
                      f"{r['floor_ms']} | {r['ratio_floor_list50']} ({r['ratio_floor_list50_bare']}) |")  # fmt: skip
        for r in sizes.values():
            if "batch_speedup" in r:
                print(f"\nbatch of 1,000 jobs: REST {r['batch1000_rest_s']} s, 1,000 XML-RPC creates "
                      f"{r['batch1000_xmlrpc_s']} s: {r['batch_speedup']} times faster (median of "
                      f"{r['batch_rounds']} interleaved rounds)")  # fmt: skip
            if "feed_page_cost_ratio" in r:
                print(f"change feed page (100 changes): {r['feed_page_10000_ms']} ms at 10,000 changes, "
                      f"{r['feed_page_1000000_ms']} ms at 1,000,000: {r['feed_page_cost_ratio']}")  # fmt: skip
            if "outbox_events_per_s" in r:
                print(f"webhooks (2 workers, 1 cron worker, receiver on 127.0.0.1): commit to receipt p50 "
                      f"{r['outbox_latency_p50_ms']:.0f} ms, p95 {r['outbox_latency_p95_ms']:.0f} ms; "
                      f"{r['outbox_events']} events in {r['outbox_seconds']:.1f} s = "
                      f"{r['outbox_events_per_s']:.0f}/s")  # fmt: skip
        if "page_cost_ratio" in self.results:
            print(f"page cost at the largest size / smallest: {self.results['page_cost_ratio']}")
        for name in ("replica", "soak"):
            if name in self.results:
                print(f"{name}: {json.dumps(self.results[name])}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--requests", type=int, default=200, help="requests per A/B measurement")
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each throughput run")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--db", default="fsj_bench")
    parser.add_argument("--reuse", action="store_true", help="reuse an existing bench database")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--port", type=int, help="the server's HTTP port (and the next one for gevent)")
    parser.add_argument("--batch-rounds", type=int, default=3, help="interleaved rounds of the batch measurement")
    parser.add_argument("--what", default=",".join(WHAT), help=f"what to measure, of {','.join(WHAT)}")
    parser.add_argument(
        "--db-filter",
        action="store_true",
        help="run the server with --db-filter=^<db>$ besides --database, as the runs before 2026-12-01 did "
        "(Odoo then opens a PostgreSQL connection per request without a session to list the databases)",
    )
    parser.add_argument("--soak-requests", type=int, default=100000, help="requests of the soak (bench/soak.py)")
    args = parser.parse_args()
    args.sizes = sorted(int(s) for s in args.sizes.split(","))
    args.what = set(args.what.split(","))
    if args.what - set(WHAT):
        parser.error(f"--what: one or more of {','.join(WHAT)}")
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))
    Bench(args).run()


if __name__ == "__main__":
    main()
