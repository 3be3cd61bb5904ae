"""Benchmark of the REST API against Odoo's own JSON-RPC / XML-RPC, on one server. See README.rst,
"Performance". Not a test: run it by hand (it takes minutes, 100,000 jobs take longer to seed):

    python3 bench/run_bench.py                     # sizes 1000,10000,100000
    python3 bench/run_bench.py --sizes 1000,10000 --requests 200

It copies the template database of ./run-tests (OCA addons installed), installs fieldservice_jobs, then
for each size grows the database to that many jobs and measures, interleaving A/B so that machine noise
falls on both sides (medians). The server runs with --workers 2, as in production. Results go to
bench/results/<time>.json and a table on stdout.
"""

import argparse
import datetime
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
WERKZEUG_RE = re.compile(r'"(GET|POST|PUT) (\S+) HTTP/[\d.]+" (\d+) - (\d+) ([\d.]+) ([\d.]+)')


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
        self.log = rt.LOGS / "bench-server.log"
        self.server = None
        self.results = {"odoo": self.version, "date": datetime.datetime.now().isoformat(timespec="seconds"),
                        "workers": args.workers, "requests": args.requests, "sizes": {}}  # fmt: skip

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

    def start(self):
        self.port = rt.free_port()
        cmd = [*self.base, "-d", self.db, f"--db-filter=^{self.db}$", f"--http-port={self.port}",
               "--http-interface=127.0.0.1", f"--gevent-port={rt.free_port()}", f"--workers={self.args.workers}",
               "--max-cron-threads=0", "--log-level=info", f"--logfile={self.log}"]  # fmt: skip
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
        n = self.args.requests
        res = {}
        res["list50_rest_ms"], res["list50_jsonrpc_ms"] = self.ab(*calls["list"], n)
        res["detail_rest_ms"], res["detail_jsonrpc_ms"] = self.ab(*calls["detail"], n)
        partner = self.jsonrpc(rpc, uid, key, "res.partner", "search", [[("name", "=like", "Bench Customer %")]],
                               {"limit": 1})[0]  # fmt: skip

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
        if size == min(self.args.sizes):
            res.update(self.batch(rest, partner, key, uid))
            res.update(self.throughputs(key, uid, list_params, domain))
        return {k: (round(v, 2) if isinstance(v, float) else v) for k, v in res.items()}

    def batch(self, rest, partner, key, uid):
        body = [{"partner_id": partner, "description": f"batch {i}"} for i in range(1000)]
        t0 = time.perf_counter()
        rest.post(f"{self.url}/restapi/1.0/object/fsm.order", json=body, params={"fields": "id"},
                  timeout=600).raise_for_status()  # fmt: skip
        rest_s = time.perf_counter() - t0
        proxy = xmlrpc.client.ServerProxy(f"{self.url}/xmlrpc/2/object")
        t0 = time.perf_counter()
        for i in range(1000):
            proxy.execute_kw(
                self.db, uid, key, "fsm.order", "create", [{"partner_id": partner, "description": f"x {i}"}]
            )
        rpc_s = time.perf_counter() - t0
        return {"batch1000_rest_s": rest_s, "batch1000_xmlrpc_s": rpc_s, "batch_speedup": round(rpc_s / rest_s, 1)}

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
        sizes = self.results["sizes"]
        small, large = str(min(self.args.sizes)), str(max(self.args.sizes))
        if small != large:
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
        print("\n| jobs | list-50 REST/JSON-RPC ms | ratio | detail REST/JSON-RPC ms | ratio | "
              "create ratio | queries list 50 / 500 |")  # fmt: skip
        print("|---|---|---|---|---|---|---|")
        for size, r in self.results["sizes"].items():
            print(f"| {size} | {r['list50_rest_ms']} / {r['list50_jsonrpc_ms']} | {r['ratio_list50']} | "
                  f"{r['detail_rest_ms']} / {r['detail_jsonrpc_ms']} | {r['ratio_detail']} | {r['ratio_create']} | "
                  f"{r['queries_list50']} / {r['queries_list500']} |")  # fmt: skip
        if "page_cost_ratio" in self.results:
            print(f"page cost at the largest size / smallest: {self.results['page_cost_ratio']}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--requests", type=int, default=200, help="requests per A/B measurement")
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each throughput run")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--db", default="fsj_bench")
    parser.add_argument("--reuse", action="store_true", help="reuse an existing bench database")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()
    args.sizes = sorted(int(s) for s in args.sizes.split(","))
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))
    Bench(args).run()


if __name__ == "__main__":
    main()
