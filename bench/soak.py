"""Soak test of the REST API under faults: mixed load for a long run, one worker killed with SIGKILL,
PostgreSQL restarted, workers' memory sampled. Not a test: run it by hand (README.rst, "Faults"):

    python3 bench/soak.py --requests 100000            # about 15 minutes on 2 cores
    python3 bench/soak.py --requests 5000 --keep       # keep the private cluster (and print how to stop it)
    python3 bench/soak.py --requests 20000 --source-db fsj_x_db   # copy a database with the addon installed

It never touches the machine's PostgreSQL but to read: it makes a private PostgreSQL cluster (initdb, as
the postgres OS user when run as root) on --pg-port, copies a database into it (pg_dump of --source-db,
which must have fieldservice_jobs installed, or of ./run-tests' template database, then installs the
addon there), and starts Odoo on it with --workers 2 (memory limits high and no request limit, so that
Odoo recycling a worker cannot hide growth). Then --threads clients send --requests requests, a mix of
list, detail, create (with an Idempotency-Key), update, batch create of 10 (Idempotency-Key) and
dashboard. At --kill-at of the run one HTTP worker gets SIGKILL; at --restart-at PostgreSQL is stopped
(-m fast), kept down --outage seconds and started again. A client retries a write that got no answer
or a 503 with the same request (and Idempotency-Key) after min(Retry-After, 1 s), as a sync client does.

Reported (stdout and bench/results/soak-<time>.json):
- answers by status and content type, overall and while PostgreSQL was down; HTML answers from
  /restapi (must be 0) and 404s for jobs that exist (must be 0);
- every acknowledged (2xx) write checked in the database afterwards: creates and batch records exist
  exactly once (their markers), updates hold their last acknowledged value (or a later one whose answer
  was lost): ``acknowledged_lost`` must be 0, ``duplicates`` 0;
- requests that got no answer (connection reset) and when: those of the killed worker;
- each worker's RSS (VmRSS of /proc/<pid>/status) sampled every --sample-every seconds: start (after
  the warm-up), end, max, and at each tenth of the run.
"""

import argparse
import collections
import datetime
import getpass
import itertools
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import psycopg2
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import run_tests as rt  # noqa: E402

API = "/restapi/1.0"
MIX = {"list": 30, "detail": 35, "create": 10, "update": 15, "batch": 3, "dashboard": 7}
BATCH = 10
SEED_JOBS = 200
LIST_FIELDS = "['name','partner_id','stage_id','scheduled_date_start','description']"
MAX_TRIES = 30  # a write is retried (same request, same Idempotency-Key) this often at most
MARKER_RE = re.compile(r"\[soak-[^\]]+\]")  # a description is HTML: <p>[soak-...]</p>
RETRY_WAIT_CAP = 1.0  # seconds: Retry-After says 5; the soak retries sooner, to send more during the outage


def now():
    return time.monotonic()


# -- the private PostgreSQL cluster ------------------------------------------------------------------
class Cluster:
    def __init__(self, args):
        self.port = args.pg_port
        self.bindir = Path(args.pg_bin or self._bindir())
        self.dir = Path(tempfile.mkdtemp(prefix="fsj_soak_pg_"))
        self.data = self.dir / "data"
        self.log = self.dir / "postgresql.log"
        self.as_postgres = os.geteuid() == 0  # initdb refuses root

    @staticmethod
    def _bindir():
        for version in ("17", "16", "15"):
            if Path(f"/usr/lib/postgresql/{version}/bin/pg_ctl").exists():
                return f"/usr/lib/postgresql/{version}/bin"
        return subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=True).stdout.strip()

    def _run(self, *cmd, check=True):
        cmd = [str(c) for c in cmd]
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, check=check)

    def create(self):
        if self.as_postgres:
            shutil.chown(self.dir, "postgres")
        self._run(self.bindir / "initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "--no-sync")
        self.start()
        conn = psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres")
        conn.autocommit = True
        with conn.cursor() as cr:
            cr.execute(f'CREATE ROLE "{getpass.getuser()}" SUPERUSER LOGIN')
        conn.close()

    def start(self):
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c max_connections=200"
        self._run(self.bindir / "pg_ctl", "-D", self.data, "-o", options, "-l", self.log, "-w", "start")

    def stop(self, mode="fast"):
        self._run(self.bindir / "pg_ctl", "-D", self.data, "-m", mode, "-w", "stop", check=False)

    def connect(self, dbname):
        conn = psycopg2.connect(host="127.0.0.1", port=self.port, dbname=dbname)
        conn.autocommit = True
        return conn

    def remove(self):
        self.stop("fast")
        shutil.rmtree(self.dir, ignore_errors=True)


# -- the soak ----------------------------------------------------------------------------------------
class Soak:
    def __init__(self, args):
        self.args = args
        found, why = rt.find_odoo()
        if not found:
            sys.exit(f"soak: no Odoo 18 ({why})")
        self.version, src_dir, self.env = found
        self.odoo_cmd = rt.odoo_command(src_dir)
        oca_dir, _key = rt.fetch_oca(self.env)
        link = rt.WORK / "addons" / rt.MODULE
        link.parent.mkdir(parents=True, exist_ok=True)
        if not link.exists():
            link.symlink_to(ROOT, target_is_directory=True)
        self.addons = [str(p) for p in (src_dir / "addons", src_dir / "odoo" / "addons") if p.is_dir()]
        self.addons += [str(oca_dir), str(link.parent)]
        self.cluster = Cluster(args)
        self.db = args.db
        self.data_dir = self.cluster.dir / "odoo-data"
        self.server = None
        self.run_id = uuid.uuid4().hex[:8]
        self.events = {}
        self.lock = threading.Lock()
        self.counter = itertools.count()
        self.done = 0
        self.answers = []  # (t0, t1, kind, status or None, content type or error)
        self.job_ids = []  # jobs a detail or an update may use
        self.acked = {"create": {}, "batch": {}}  # marker -> id
        self.attempted_markers = set()
        self.updates = collections.defaultdict(list)  # job id -> [(value, acknowledged)]
        self.rss = collections.defaultdict(list)  # pid -> [(t, done, kB)]

    # -- setup -------------------------------------------------------------------------------------
    def odoo_base(self):
        return [
            *self.odoo_cmd,
            f"--addons-path={','.join(self.addons)}",
            f"--data-dir={self.data_dir}",
            "--db_host=127.0.0.1",
            f"--db_port={self.cluster.port}",
            f"--db_user={getpass.getuser()}",
        ]

    def prepare(self):
        t0 = now()
        self.cluster.create()
        source = self.args.source_db
        install = False
        if not source:
            with rt.pg_connect() as conn, conn.cursor() as cr:
                cr.execute("SELECT datname FROM pg_database WHERE datname LIKE 'fsj_tmpl_%%' ORDER BY datname DESC")
                templates = [r[0] for r in cr.fetchall() if not r[0].endswith("_building")]
            if not templates:
                sys.exit("soak: run ./run-tests once first (it builds the template database), or give --source-db")
            source, install = templates[0], True
        dump = self.cluster.dir / "source.dump"
        pg = ["-h", os.environ.get("PGHOST") or "127.0.0.1", "-p", os.environ.get("PGPORT") or "5432"]
        subprocess.run(["pg_dump", *pg, "-Fc", "-f", dump, source], check=True)
        subprocess.run(["createdb", "-h", "127.0.0.1", "-p", str(self.cluster.port), self.db], check=True)
        subprocess.run(
            ["pg_restore", "-h", "127.0.0.1", "-p", str(self.cluster.port), "-d", self.db, "--no-owner", dump],
            check=True,
        )
        filestore = rt.WORK / "data" / "filestore" / source
        if filestore.is_dir():
            shutil.copytree(filestore, self.data_dir / "filestore" / self.db)
        if install:
            log = self.cluster.dir / "install.log"
            rc = rt.run([*self.odoo_base(), "-d", self.db, "-i", rt.MODULE, "--stop-after-init", "--no-http"],
                        log=log, env=self.env)  # fmt: skip
            if rc:
                sys.exit(f"soak: install failed, see {log}")
        shell = [*self.odoo_cmd, "shell", *self.odoo_base()[len(self.odoo_cmd) :], "-d", self.db]
        script = (
            "print('KEY', env['res.users.apikeys'].with_user(env.ref('base.user_admin'))"
            "._generate(None, 'soak', None)); env.cr.commit()"
        )
        out = subprocess.run(
            [*shell, "--no-http", "--max-cron-threads=0", "--log-level=warn"],
            input=script,
            text=True,
            capture_output=True,
            env=self.env,
            check=False,
        ).stdout
        self.key = next(line.split()[1] for line in out.splitlines() if line.startswith("KEY "))
        print(f"   private cluster {self.cluster.dir} on port {self.cluster.port}, database {self.db} "
              f"(copy of {source}{', addon installed' if install else ''}) in {now() - t0:.0f} s")  # fmt: skip

    def start_server(self):
        self.port = self.args.http_port or rt.free_port()
        self.log = self.cluster.dir / "odoo.log"
        cmd = [
            # --database alone, as docker-compose.yml runs Odoo (no per-request database listing)
            *self.odoo_base(), "-d", self.db, f"--http-port={self.port}",
            "--http-interface=127.0.0.1", f"--gevent-port={self.port + 1 if self.args.http_port else rt.free_port()}",
            f"--workers={self.args.workers}", "--max-cron-threads=0", "--log-level=warn", f"--logfile={self.log}",
            # no recycling: growth must show, not be reset by Odoo
            f"--limit-memory-soft={self.args.limit_memory_soft}",
            f"--limit-memory-hard={self.args.limit_memory_soft * 2}",
            "--limit-request=100000000", "--limit-time-real=600", "--limit-time-cpu=600",
        ]  # fmt: skip
        self.server = subprocess.Popen(cmd, env=self.env, start_new_session=True,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        self.url = f"http://127.0.0.1:{self.port}"
        if not rt._wait_health(self.url, self.server):
            sys.exit(f"soak: server did not start, see {self.log}")

    def workers(self):
        """The server's HTTP workers: the master's children but the gevent (longpolling) process."""
        found = []
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
                if ppid != self.server.pid:
                    continue
                cmdline = (proc / "cmdline").read_bytes().split(b"\0")
            except (OSError, IndexError, ValueError):
                continue
            if b"gevent" not in cmdline:
                found.append(int(proc.name))
        return sorted(found)

    @staticmethod
    def vmrss(pid):
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        except OSError:
            return None
        return None

    # -- clients -----------------------------------------------------------------------------------
    def session(self):
        session = requests.Session()
        session.headers.update({"X-API-Key": self.key, "Content-Type": "application/json"})
        return session

    def send(self, session, kind, method, path, **kwargs):
        """One attempt: (status or None, content type or error name, body or None)."""
        t0 = now()
        try:
            resp = session.request(method, self.url + API + path, timeout=120, **kwargs)
            ctype = resp.headers.get("Content-Type", "").split(";")[0]
            result = (resp.status_code, ctype, resp)
        except requests.RequestException as exc:
            result = (None, type(exc).__name__, None)
        with self.lock:
            self.answers.append((t0, now(), kind, result[0], result[1]))
            self.done += 1
        return result

    def write(self, session, kind, method, path, **kwargs):
        """A write until it is answered (not 503, not a lost connection): (status, response, tries)."""
        for tries in range(1, MAX_TRIES + 1):
            status, _ctype, resp = self.send(session, kind, method, path, **kwargs)
            if status is not None and status != 503:
                return status, resp, tries
            wait = min(float(resp.headers.get("Retry-After", 1)), RETRY_WAIT_CAP) if resp is not None else 0.2
            time.sleep(wait)
        return None, None, MAX_TRIES

    def client(self, index, partner_id):
        session = self.session()
        rng = random.Random(index)
        kinds, weights = list(MIX), list(MIX.values())
        mine = []
        seq = itertools.count()
        while next(self.counter) < self.args.requests:
            kind = rng.choices(kinds, weights)[0]
            if kind == "list":
                self.send(session, kind, "GET", "/object/fsm.order", params={"limit": 50, "fields": LIST_FIELDS})
            elif kind == "detail":
                with self.lock:
                    job = rng.choice(self.job_ids)
                self.send(session, kind, "GET", f"/object/fsm.order/{job}")
            elif kind == "dashboard":
                self.send(session, kind, "GET", "/fsm/dashboard")
            elif kind == "create":
                marker = f"[soak-{self.run_id}-{index}-{next(seq)}]"
                self.attempted_markers.add(marker)
                body = {"partner_id": partner_id, "description": marker}
                status, resp, _tries = self.write(
                    session, kind, "POST", "/object/fsm.order", json=body, params={"fields": "['id']"},
                    headers={"Idempotency-Key": marker},
                )  # fmt: skip
                if status == 201:
                    job = resp.json()["fsm.order"]["id"]
                    self.acked["create"][marker] = job
                    mine.append(job)
                    with self.lock:
                        self.job_ids.append(job)
            elif kind == "batch":
                markers = [f"[soak-{self.run_id}-{index}-{next(seq)}]" for _i in range(BATCH)]
                self.attempted_markers.update(markers)
                body = [{"partner_id": partner_id, "description": m} for m in markers]
                status, resp, _tries = self.write(
                    session, kind, "POST", "/object/fsm.order", json=body, params={"fields": "['id']"},
                    headers={"Idempotency-Key": markers[0]},
                )  # fmt: skip
                if status == 201:
                    ids = [row["id"] for row in resp.json()["fsm.order"]]
                    self.acked["batch"].update(zip(markers, ids, strict=True))
            elif kind == "update" and mine:
                job = rng.choice(mine)
                value = f"[soak-upd-{self.run_id}-{index}-{next(seq)}]"
                entry = [value, False]
                self.updates[job].append(entry)
                status, _resp, _tries = self.write(session, kind, "PUT", f"/object/fsm.order/{job}",
                                                   json={"description": value})  # fmt: skip
                entry[1] = status == 200

    # -- faults and sampling ------------------------------------------------------------------------
    def sampler(self, stop):
        while not stop.is_set():
            t, done = now(), self.done
            for pid in self.workers():
                rss = self.vmrss(pid)
                if rss:
                    self.rss[pid].append((t, done, rss))
            stop.wait(self.args.sample_every)

    def faults(self, stop):
        n = self.args.requests
        kill_at, restart_at = int(n * self.args.kill_at), int(n * self.args.restart_at)
        while not stop.is_set() and self.done < kill_at:
            time.sleep(0.05)
        if stop.is_set():
            return
        victim = self.workers()[0]
        os.kill(victim, signal.SIGKILL)
        self.events["kill"] = {"t": now(), "pid": victim, "at_request": self.done}
        print(f"   SIGKILL worker {victim} at request {self.done}")
        while not stop.is_set() and self.done < restart_at:
            time.sleep(0.05)
        if stop.is_set():
            return
        t0, at = now(), self.done
        self.cluster.stop("fast")
        t1 = now()
        time.sleep(self.args.outage)
        self.cluster.start()
        t2 = now()
        self.events["pg_restart"] = {"t_stop": t0, "t_down": t1, "t_up": t2, "at_request": at,
                                     "down_seconds": round(t2 - t1, 2)}  # fmt: skip
        print(f"   PostgreSQL stopped at request {at}, down {t2 - t1:.1f} s, started again")

    # -- run -----------------------------------------------------------------------------------------
    def seed(self):
        session = self.session()
        with self.cluster.connect(self.db) as conn, conn.cursor() as cr:
            cr.execute("SELECT id FROM res_partner WHERE active AND is_company ORDER BY id LIMIT 1")
            partner_id = cr.fetchone()[0]
        body = [{"partner_id": partner_id, "description": f"[soak-seed-{self.run_id}-{i}]"} for i in range(SEED_JOBS)]
        resp = session.post(self.url + API + "/object/fsm.order", json=body, params={"fields": "['id']"}, timeout=300)
        resp.raise_for_status()
        self.job_ids = [row["id"] for row in resp.json()["fsm.order"]]
        # warm-up: every worker has its caches (not measured)
        for _i in range(self.args.warmup):
            session.get(self.url + API + "/object/fsm.order", params={"limit": 50, "fields": LIST_FIELDS})
            session.get(self.url + API + f"/object/fsm.order/{random.choice(self.job_ids)}")
        return partner_id

    def run(self):
        print(f"soak: {self.args.requests} requests, {self.args.threads} clients, --workers {self.args.workers}")
        self.prepare()
        self.start_server()
        try:
            partner_id = self.seed()
            stop = threading.Event()
            sampler = threading.Thread(target=self.sampler, args=(stop,), daemon=True)
            sampler.start()
            time.sleep(self.args.sample_every * 1.5)
            faults = threading.Thread(target=self.faults, args=(stop,), daemon=True)
            self.t_start = now()
            faults.start()
            clients = [
                threading.Thread(target=self.client, args=(i, partner_id), daemon=True)
                for i in range(self.args.threads)
            ]
            last = 0
            for thread in clients:
                thread.start()
            while any(t.is_alive() for t in clients):
                time.sleep(1)
                if self.done - last >= self.args.requests // 10:
                    last = self.done
                    print(f"   {self.done} requests, {self.done / (now() - self.t_start):.0f}/s")
            self.t_end = now()
            stop.set()
            faults.join(60)
            sampler.join(10)
            return self.report()
        finally:
            if self.server:
                rt._stop(self.server)

    # -- report --------------------------------------------------------------------------------------
    def verify(self):
        """Every acknowledged write in the database: creates and batches exactly once, updates hold
        their last acknowledged value (or a later one whose answer was lost)."""
        with self.cluster.connect(self.db) as conn, conn.cursor() as cr:
            cr.execute("SELECT id, description FROM fsm_order WHERE description LIKE %s",
                       (f"%soak-{self.run_id}-%",))  # fmt: skip
            rows = cr.fetchall()
            by_marker = collections.defaultdict(list)
            for rid, desc in rows:
                by_marker[MARKER_RE.search(desc).group(0)].append(rid)
            cr.execute("SELECT id, description FROM fsm_order WHERE id = ANY(%s)", (list(self.updates),))
            current = {rid: (MARKER_RE.search(desc or "") or [None])[0] for rid, desc in cr.fetchall()}
        lost, duplicates = [], []
        for kind in ("create", "batch"):
            for marker, rid in self.acked[kind].items():
                if rid not in by_marker.get(marker, []):
                    # updated since: the record must still exist under its id
                    if rid not in current and marker not in by_marker:
                        lost.append((kind, marker, rid))
        for marker, ids in by_marker.items():
            if marker.startswith("[soak-upd-"):
                continue
            if len(ids) > 1:
                duplicates.append((marker, ids))
        unacknowledged_created = sum(
            1
            for marker in self.attempted_markers
            if marker in by_marker and marker not in self.acked["create"] and marker not in self.acked["batch"]
        )
        updates_checked = updates_bad = 0
        for rid, attempts in self.updates.items():
            acked = [i for i, (_v, ok) in enumerate(attempts) if ok]
            if not acked:
                continue
            updates_checked += 1
            allowed = {value for value, _ok in attempts[acked[-1] :]}
            if current.get(rid) not in allowed:
                updates_bad += 1
                lost.append(("update", rid, attempts[acked[-1]][0], current.get(rid)))
        creates = len(self.acked["create"]) + len(self.acked["batch"])
        return {
            "acknowledged_creates_checked": creates,
            "acknowledged_updates_checked": updates_checked,
            "acknowledged_lost": len(lost),
            "lost_examples": lost[:10],
            "duplicates": len(duplicates),
            "duplicate_examples": duplicates[:10],
            "unacknowledged_but_created": unacknowledged_created,
        }

    def answers_table(self, answers):
        table = collections.Counter()
        for _t0, _t1, _kind, status, ctype in answers:
            table[f"{status} {ctype}" if status is not None else f"no answer ({ctype})"] += 1
        return dict(table.most_common())

    def memory(self):
        n = self.args.requests
        workers = {}
        for pid, samples in sorted(self.rss.items()):
            samples = [s for s in samples if s[0] >= self.t_start]
            if not samples:
                continue
            tenths = {}
            for _t, done, rss in samples:
                tenth = min(10, done * 10 // n)
                tenths.setdefault(tenth, rss)
            workers[str(pid)] = {
                "start_kib": samples[0][2],
                "end_kib": samples[-1][2],
                "max_kib": max(s[2] for s in samples),
                "growth_kib": samples[-1][2] - samples[0][2],
                "first_at_request": samples[0][1],
                "last_at_request": samples[-1][1],
                "samples": len(samples),
                "rss_kib_by_tenth_of_run": tenths,
                "killed": self.events.get("kill", {}).get("pid") == pid,
            }
        return workers

    def report(self):
        answers = self.answers
        kill = self.events.get("kill", {})
        restart = self.events.get("pg_restart", {})
        down = [a for a in answers if restart and a[1] >= restart["t_stop"] and a[0] <= restart["t_up"]]
        html = [a for a in answers if a[4] == "text/html"]
        no_answer = [a for a in answers if a[3] is None]
        detail_404 = [a for a in answers if a[2] == "detail" and a[3] == 404]
        server_errors = [a for a in answers if a[3] is not None and a[3] >= 500 and a[3] != 503]
        duration = self.t_end - self.t_start
        log_text = self.log.read_text(errors="replace") if self.log.exists() else ""
        summary = {
            "date": datetime.datetime.now().isoformat(timespec="seconds"),
            "odoo": self.version,
            "requests": len(answers),
            "requests_asked": self.args.requests,
            "threads": self.args.threads,
            "workers": self.args.workers,
            "mix": MIX,
            "duration_s": round(duration, 1),
            "requests_per_s": round(len(answers) / duration, 1),
            "answers": self.answers_table(answers),
            "answers_by_kind": {kind: self.answers_table([a for a in answers if a[2] == kind]) for kind in MIX},
            "html_answers": len(html),
            "detail_404_for_existing_jobs": len(detail_404),
            "server_errors_other_than_503": len(server_errors),
            "worker_kill": {
                "pid": kill.get("pid"),
                "at_request": kill.get("at_request"),
                "requests_without_answer": len(no_answer),
                "without_answer_seconds_after_kill": [round(a[0] - kill["t"], 3) for a in no_answer] if kill else [],
                "worker_respawned": any(
                    pid != kill.get("pid") and s and s[0][0] > kill.get("t", 0) for pid, s in self.rss.items()
                ),
            },
            "pg_restart": {
                "at_request": restart.get("at_request"),
                "down_seconds": restart.get("down_seconds"),
                "answers_while_down": self.answers_table(down),
                "first_200_after_up_s": next(
                    (
                        round(a[1] - restart["t_up"], 3)
                        for a in answers
                        if restart and a[0] >= restart["t_up"] and a[3] == 200
                    ),
                    None,
                ),
            }
            if restart
            else None,
            "writes": self.verify(),
            "memory": {
                "limit_memory_soft": self.args.limit_memory_soft,
                "limit_request": 100000000,
                "workers": self.memory(),
            },
            "server_log": {
                "error_lines": log_text.count(" ERROR "),
                "warning_lines": log_text.count(" WARNING "),
                "db_unavailable_warnings": log_text.count("database unavailable, answering 503"),
                "error_examples": [line[:300] for line in log_text.splitlines() if " ERROR " in line][:5],
            },
        }
        writes = summary["writes"]
        summary["ok"] = (
            summary["html_answers"] == 0
            and summary["detail_404_for_existing_jobs"] == 0
            and summary["server_errors_other_than_503"] == 0
            and writes["acknowledged_lost"] == 0
            and writes["duplicates"] == 0
        )
        out = ROOT / "bench" / "results" / f"soak-{datetime.datetime.now():%Y%m%d-%H%M%S}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(summary, indent=2) + "\n")
        print(json.dumps(summary, indent=2))
        print(f"soak: results in {out.relative_to(ROOT)}; ok={summary['ok']}")
        return summary


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=100000)
    parser.add_argument("--threads", type=int, default=6)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--source-db", help="a database of the machine's PostgreSQL with the addon installed")
    parser.add_argument("--db", default="fsj_soak")
    parser.add_argument("--pg-port", type=int, default=5434)
    parser.add_argument("--pg-bin", help="PostgreSQL's bin folder (default: /usr/lib/postgresql/<newest>/bin)")
    parser.add_argument("--http-port", type=int, default=0, help="the server's port (the next one for gevent)")
    parser.add_argument("--kill-at", type=float, default=0.3, help="SIGKILL a worker at this fraction of the run")
    parser.add_argument("--restart-at", type=float, default=0.6, help="restart PostgreSQL at this fraction")
    parser.add_argument("--outage", type=float, default=5.0, help="seconds PostgreSQL stays down")
    parser.add_argument("--sample-every", type=float, default=1.0, help="seconds between RSS samples")
    parser.add_argument("--warmup", type=int, default=200, help="list+detail pairs before the measured run")
    parser.add_argument("--limit-memory-soft", type=int, default=8 * 1024**3)
    parser.add_argument("--keep", action="store_true", help="keep the private cluster (stopped) and its files")
    args = parser.parse_args()
    soak = Soak(args)
    try:
        summary = soak.run()
    finally:
        if args.keep:
            soak.cluster.stop("fast")
            print(
                f"soak: kept {soak.cluster.dir} (start: {soak.cluster.bindir}/pg_ctl -D {soak.cluster.data} "
                f"-o '-p {args.pg_port} -k {soak.cluster.dir}' start, as postgres; remove the folder when done)"
            )
        else:
            soak.cluster.remove()
    sys.exit(0 if summary["ok"] else 1)


if __name__ == "__main__":
    main()
