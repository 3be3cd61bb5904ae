"""Test runner behind ./run-tests (see README.rst, "Running the tests").

Layers, in order:

1. Odoo-free layer: ruff, pylint-odoo, XML well-formedness, pure unit tests (pytests/unit).
2. Odoo layer (when an Odoo 18 is importable and PostgreSQL answers):
   a. the OCA dependency addons are fetched from PyPI (oca-requirements.txt) into .odoo-test/oca/;
   b. a template database with those OCA addons installed is built once and reused (keyed on the
      Odoo version and the wheels);
   c. a throwaway database is copied from it, fieldservice_jobs is installed and then upgraded by
      odoo-bin (neither log may hold a WARNING or ERROR line); its Odoo tests (tests/, HttpCase and
      the browser tour included) run under pytest-odoo with a server thread (--odoo-http);
   d. OCA's fieldservice and fieldservice_sale suites run under pytest-odoo with the addon installed
      and loaded (pytests/pytest_fsj_odoo.py makes pytest pick the tests odoo-bin would);
   e. a server is started on a free local port and the external pytest suite (pytests/external)
      talks to it over HTTP and XML-RPC;
   f. the addon is uninstalled (must succeed), the database is dropped.

Test results are read from pytest's junit files (.odoo-test/pytest-*.xml), logs in .odoo-test/logs/.
The run ends with the line ``N passed, N failed``; the same line, with the Odoo version and the time,
is written to .odoo-test/last-run.txt. Exit status 0 only when nothing failed.
"""

import argparse
import dataclasses
import datetime
import email.parser
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULE = "fieldservice_jobs"
WORK = ROOT / ".odoo-test"
LOGS = WORK / "logs"
OCA_SUITES = ("fieldservice", "fieldservice_sale")
LOG_LEVEL_RE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (WARNING|ERROR|CRITICAL) ")


class Tally:
    def __init__(self):
        self.rows = []

    def add(self, layer, passed, failed, note=""):
        self.rows.append((layer, passed, failed, note))
        status = "ok" if not failed else "FAILED"
        print(f"--> {layer}: {passed} passed, {failed} failed {note}".rstrip() + f"  [{status}]")
        sys.stdout.flush()

    @property
    def passed(self):
        return sum(r[1] for r in self.rows)

    @property
    def failed(self):
        return sum(r[2] for r in self.rows)


def say(msg=""):
    print(msg)
    sys.stdout.flush()


def run(cmd, log=None, env=None, cwd=None, timeout=None, stdin=None):
    """Run a command; output goes to a log file (when given) or to our stdout."""
    if log:
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "w") as out:
            proc = subprocess.run(
                cmd,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=cwd,
                timeout=timeout,
                stdin=stdin,
            )
    else:
        proc = subprocess.run(cmd, env=env, cwd=cwd, timeout=timeout, stdin=stdin)
    return proc.returncode


# ---------------------------------------------------------------- Odoo-free layer


def odoo_free_layer(tally, args):
    say("== Odoo-free layer: lint, XML, pure unit tests")
    tools_env = dict(os.environ)
    # ruff
    if shutil.which("ruff") or _has_module("ruff"):
        cmd = ["ruff", "check", "."] if shutil.which("ruff") else [sys.executable, "-m", "ruff", "check", "."]
        rc = run(cmd, cwd=ROOT, env=tools_env)
        tally.add("ruff", int(rc == 0), int(rc != 0))
    else:
        tally.add("ruff", 0, 1, "(ruff not installed: pip install -r test-requirements.txt)")
    # pylint-odoo (the OCA mandatory checks, .pylintrc-mandatory)
    if _has_module("pylint_odoo"):
        # the addon's own code (the runner, the pytest suites and the client package are not Odoo code)
        files = [
            str(p.relative_to(ROOT))
            for p in ROOT.rglob("*.py")
            if _is_addon_file(p) and p.relative_to(ROOT).parts[0] not in ("scripts", "pytests", "bench", "client")
        ]
        cmd = [sys.executable, "-m", "pylint", "--rcfile=.pylintrc-mandatory", *files]
        rc = run(cmd, cwd=ROOT, env=tools_env)
        tally.add("pylint-odoo", int(rc == 0), int(rc != 0))
    else:
        tally.add("pylint-odoo", 0, 1, "(pylint-odoo not installed: pip install -r test-requirements.txt)")
    # XML well-formedness
    bad = []
    xml_files = [p for p in ROOT.rglob("*.xml") if _is_addon_file(p)]
    for path in xml_files:
        try:
            ET.parse(path)
        except ET.ParseError as exc:
            bad.append(f"{path.relative_to(ROOT)}: {exc}")
    for line in bad:
        say(f"   XML: {line}")
    tally.add("xml well-formed", len(xml_files) - len(bad), len(bad), f"({len(xml_files)} files)")
    # pure unit tests
    passed, failed = pytest_run("unit", ROOT / "pytests" / "unit", env=tools_env)
    tally.add("pure unit tests (pytest)", passed, failed)


def _has_module(name):
    import importlib.util

    return importlib.util.find_spec(name) is not None


def _is_addon_file(path):
    rel = path.relative_to(ROOT).parts
    return not any(part.startswith(".") or part in ("node_modules", "build") for part in rel)


def pytest_run(name, path, env, extra=()):
    """A pytest suite without Odoo in the process (pytest-odoo left out): (passed, failed)."""
    if not _has_module("pytest"):
        say("   pytest is not installed: pip install -r test-requirements.txt")
        return 0, 1
    junit = _fresh_junit(name)
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:odoo",
        f"--junitxml={junit}",
        "--rootdir",
        str(path),
        "--confcutdir",
        str(path),
        # the repository root is an Odoo addon package: keep pytest from importing it
        "--import-mode=importlib",
        *extra,
        str(path),
    ]
    rc = run(cmd, cwd=ROOT, env=env)
    passed, failed, _skipped = junit_counts(name, junit, rc)
    return passed, failed


def pytest_odoo_run(name, paths, ctx, http):
    """Odoo tests (TransactionCase, HttpCase) under pytest-odoo on the test database, with the plugin
    pytests/pytest_fsj_odoo.py (odoo-bin's choice of tests); output in .odoo-test/logs/<name>.log.
    (passed, failed, skipped), from pytest's junit file."""
    if not (_has_module("pytest") and _has_module("pytest_odoo")):
        say("   pytest-odoo is not installed: pip install -r test-requirements.txt")
        return 0, 1, 0
    junit = _fresh_junit(name)
    log = LOGS / f"{name}.log"
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "-p",
        "pytest_fsj_odoo",
        "-rfEs",
        f"--junitxml={junit}",
        # .odoo-test holds the addons' folders; the repository above it is an addon package itself
        f"--rootdir={WORK}",
        f"--confcutdir={WORK}",
        f"--odoo-database={ctx.dbname}",
        f"--odoo-addons-path={','.join(ctx.addons_path)}",
        "--odoo-log-level=warn",
        *ctx.odoo_options(),
        *(["--odoo-http"] if http else []),
        *(str(p) for p in paths),
    ]
    env = dict(ctx.env, PYTHONPATH=os.pathsep.join(p for p in (str(ROOT / "pytests"), ctx.env.get("PYTHONPATH")) if p))
    rc = run(cmd, log=log, env=env, cwd=WORK)
    passed, failed, skipped = junit_counts(name, junit, rc)
    if failed:
        show_tail(log, lines=150, only_problems=False)
    return passed, failed, skipped


def _fresh_junit(name):
    junit = WORK / f"pytest-{name}.xml"
    junit.parent.mkdir(parents=True, exist_ok=True)
    if junit.exists():
        junit.unlink()
    return junit


def junit_counts(name, junit, rc):
    """(passed, failed, skipped) tests of a pytest run, from its junit file: one per test case, a
    test whose sub-tests failed is failed, one with skipped sub-tests (and no failure) skipped. A run
    that wrote no file, that pytest itself broke (usage, internal error), or that collected nothing,
    fails."""
    if not junit.exists():
        return 0, 1, 0
    cases = list(ET.parse(junit).getroot().iter("testcase"))
    failed = sum(1 for case in cases if case.find("failure") is not None or case.find("error") is not None)
    skipped = sum(
        1
        for case in cases
        if case.find("skipped") is not None and case.find("failure") is None and case.find("error") is None
    )
    if rc not in (0, 1, 5) and not failed:
        failed = 1
    if not cases:
        say(f"   pytest {name}: no test collected")
        failed = max(failed, 1)
    return len(cases) - failed - skipped, failed, skipped


# ---------------------------------------------------------------- finding Odoo


def find_odoo():
    """Return (version, src_dir, env) when an Odoo 18 is importable by this interpreter, else None."""
    env = dict(os.environ)
    src = env.get("ODOO_SRC")
    if src:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
        sys.path.insert(0, src)
    try:
        import odoo.release

        version = odoo.release.version
        src_dir = Path(odoo.__file__).resolve().parent.parent
    except Exception as exc:  # noqa: BLE001 - any failure means "no usable Odoo"
        return None, f"{sys.executable} cannot import odoo ({exc.__class__.__name__}: {exc})"
    if not version.startswith("18."):
        return None, f"found Odoo {version}, this addon needs 18.0"
    return (version, src_dir, env), None


def odoo_command(src_dir):
    """How to start the server: the tree's odoo-bin (sets TZ=UTC, needed by prefork), else `odoo`."""
    candidates = [Path(os.environ["ODOO_SRC"]) / "odoo-bin"] if os.environ.get("ODOO_SRC") else []
    candidates += [src_dir / "odoo-bin", src_dir / "setup" / "odoo"]
    for cand in candidates:
        if cand.is_file():
            return [sys.executable, str(cand)]
    for name in ("odoo-bin", "odoo"):
        found = shutil.which(name)
        if found:
            return [sys.executable, found]
    return None


def pg_connect(dbname="postgres"):
    import psycopg2

    kwargs = {"dbname": dbname}
    for key, var in (("host", "PGHOST"), ("port", "PGPORT"), ("user", "PGUSER"), ("password", "PGPASSWORD")):
        if os.environ.get(var):
            kwargs[key] = os.environ[var]
    conn = psycopg2.connect(**kwargs)
    conn.autocommit = True
    return conn


def db_options():
    opts = []
    for opt, var in (
        ("--db_host", "PGHOST"),
        ("--db_port", "PGPORT"),
        ("--db_user", "PGUSER"),
        ("--db_password", "PGPASSWORD"),
    ):
        if os.environ.get(var):
            opts.append(f"{opt}={os.environ[var]}")
    return opts


def db_exists(name):
    with pg_connect() as conn, conn.cursor() as cr:
        cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        return bool(cr.fetchone())


def db_drop(name, data_dir=None):
    """Drop a database and its filestore (under ``data_dir``, .odoo-test/data by default)."""
    conn = pg_connect()
    try:
        with conn.cursor() as cr:
            cr.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            cr.execute(f'DROP DATABASE IF EXISTS "{name}"')
    finally:
        conn.close()
    # the filestore goes with it
    shutil.rmtree((data_dir or WORK / "data") / "filestore" / name, ignore_errors=True)


def db_copy(template, name):
    conn = pg_connect()
    try:
        with conn.cursor() as cr:
            cr.execute(f'CREATE DATABASE "{name}" WITH TEMPLATE "{template}"')
    finally:
        conn.close()
    src = WORK / "data" / "filestore" / template
    if src.exists():
        shutil.copytree(src, WORK / "data" / "filestore" / name)


def db_rename(old, new):
    conn = pg_connect()
    try:
        with conn.cursor() as cr:
            cr.execute(f'ALTER DATABASE "{old}" RENAME TO "{new}"')
    finally:
        conn.close()
    src = WORK / "data" / "filestore" / old
    if src.exists():
        src.rename(WORK / "data" / "filestore" / new)


# ---------------------------------------------------------------- OCA dependencies


def oca_requirements():
    reqs = []
    for line in (ROOT / "oca-requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            reqs.append(line)
    return reqs


def fetch_oca(env):
    """Download the pinned OCA wheels (no dependencies: they would ask for `odoo` on PyPI) and unpack
    their addons into .odoo-test/oca/<key>/. Reused as long as oca-requirements.txt is unchanged."""
    reqs = oca_requirements()
    key = hashlib.sha256("\n".join(reqs).encode()).hexdigest()[:12]
    prebuilt = os.environ.get("FSJ_OCA_ADDONS")
    if prebuilt:  # the addons already unpacked (the Docker test image's /opt/oca-addons): no download
        target = Path(prebuilt)
        wanted = {addon_name(r) for r in reqs}
        absent = sorted(m for m in wanted if not (target / m / "__manifest__.py").is_file())
        if absent:
            raise RuntimeError(f"FSJ_OCA_ADDONS={prebuilt} lacks {', '.join(absent)}")
        return target, key
    target = WORK / "oca" / key
    if (target / ".complete").exists():
        return target, key
    needed = download_addons(reqs, target, "OCA addons", env)
    absent = sorted(m for m in needed if not (target / m).exists())
    if absent:
        raise RuntimeError(f"oca-requirements.txt misses OCA dependencies: {', '.join(absent)}")
    (target / ".complete").write_text("\n".join(reqs) + "\n")
    return target, key


def addon_name(req):
    """The addon of a requirement such as 'odoo-addon-fieldservice_sale==18.0.1.3.0'."""
    name = re.split(r"[ =<>!~;\[]", req, maxsplit=1)[0]
    return name[len("odoo-addon-") :].replace("-", "_")


def download_addons(reqs, target, label, env):
    """pip download (no dependencies: they would ask for `odoo` on PyPI) of the addons' wheels,
    unpacked into ``target``; returns the OCA addons those wheels depend on."""
    wheels = target.parent / f"wheels-{target.name}"
    shutil.rmtree(wheels, ignore_errors=True)
    wheels.mkdir(parents=True)
    say(f"   fetching {label} from PyPI: {', '.join(reqs)}")
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(wheels), *reqs]
    if run(cmd, env=env) != 0:
        raise RuntimeError(f"pip download of the {label} failed (see above)")
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    needed = set()
    for whl in sorted(wheels.glob("*.whl")):
        with zipfile.ZipFile(whl) as zf:
            for member in zf.namelist():
                if member.startswith("odoo/addons/"):
                    zf.extract(member, wheels / "x")
                elif member.endswith(".dist-info/METADATA"):
                    meta = email.parser.Parser().parsestr(zf.read(member).decode())
                    for dep in meta.get_all("Requires-Dist") or []:
                        if dep.startswith("odoo-addon-"):
                            needed.add(addon_name(dep))
    for addon in (wheels / "x" / "odoo" / "addons").iterdir():
        if (addon / "__manifest__.py").exists():
            shutil.move(str(addon), target / addon.name)
    shutil.rmtree(wheels, ignore_errors=True)
    return needed


# ---------------------------------------------------------------- Odoo layer


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def log_problems(log):
    return [line.rstrip() for line in open(log, errors="replace") if LOG_LEVEL_RE.match(line)]


def show_tail(log, lines=40, only_problems=True):
    problems = log_problems(log) if only_problems else []
    text = problems or open(log, errors="replace").read().splitlines()
    for line in text[-lines:]:
        say(f"   | {line}")
    say(f"   (full log: {log.relative_to(ROOT)})")


@dataclasses.dataclass
class OdooRun:
    """What the steps of the Odoo layer share."""

    tally: Tally
    args: argparse.Namespace
    env: dict
    base: list  # odoo-bin with the addons path, data dir and database options
    shell: list  # odoo-bin shell, the same
    dbname: str
    oca_dir: Path
    addons_path: list
    data_dir: Path

    def odoo_options(self):
        """The options of ``base`` as pytest-odoo passes them on to Odoo (--odoo-extra)."""
        return [f"--odoo-extra={opt[2:]}" for opt in db_options()] + [f"--odoo-extra=data-dir={self.data_dir}"]


def odoo_layer(tally, found, args):
    version, src_dir, env = found
    odoo_cmd = odoo_command(src_dir)
    if not odoo_cmd:
        tally.add("Odoo suite", 0, 1, "(no odoo-bin next to the odoo package and no `odoo` on PATH)")
        return
    try:
        pg_connect().close()
    except Exception as exc:  # noqa: BLE001
        tally.add("Odoo suite", 0, 1, f"(PostgreSQL not reachable: {str(exc).strip()})")
        return
    say(f"== Odoo layer: Odoo {version} from {src_dir}")
    t0 = time.time()
    oca_dir, oca_key = fetch_oca(env)
    addons_link = WORK / "addons"
    addons_link.mkdir(parents=True, exist_ok=True)
    link = addons_link / MODULE
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(ROOT, target_is_directory=True)
    addons_path = [str(p) for p in (src_dir / "addons", src_dir / "odoo" / "addons") if p.is_dir()]
    addons_path += [str(oca_dir), str(addons_link)]
    data_dir = WORK / "data"
    opts = [
        f"--addons-path={','.join(addons_path)}",
        f"--data-dir={data_dir}",
        *db_options(),
    ]
    base = [*odoo_cmd, *opts]
    shell = [*odoo_cmd, "shell", *opts]
    env = dict(env, PYTHONUNBUFFERED="1")

    # b. template database with the OCA addons
    key = hashlib.sha256(f"{version}|{oca_key}|demo".encode()).hexdigest()[:10]
    template = f"fsj_tmpl_{key}"
    if db_exists(template) and not (WORK / "data" / "filestore" / template).is_dir():
        say(f"   template {template} has no filestore (e.g. a new volume): rebuilding it")
        db_drop(template)
    if args.fresh and db_exists(template):
        db_drop(template)
    if not db_exists(template):
        building = f"{template}_building"
        db_drop(building)
        say(f"   building template database {template} (OCA addons, demo data; once per Odoo/OCA version)")
        log = LOGS / "template.log"
        t1 = time.time()
        rc = run(
            [*base, "-d", building, "-i", "fieldservice_sale", "--stop-after-init", "--no-http", "--log-level=warn"],
            log=log,
            env=env,
        )
        if rc != 0 or log_problems(log):
            show_tail(log)
            db_drop(building)
            tally.add("OCA dependencies install", 0, 1)
            return
        db_rename(building, template)
        say(f"   template built in {time.time() - t1:.0f} s")
    dbname = f"fsj_test_{os.getpid()}_{int(time.time())}"
    db_copy(template, dbname)
    say(f"   test database {dbname} (copy of {template})")
    try:
        _odoo_steps(OdooRun(tally, args, env, base, shell, dbname, oca_dir, addons_path, data_dir))
    finally:
        if args.keep_db:
            say(f"   kept database {dbname} (--keep-db)")
        else:
            db_drop(dbname)
    say(f"   Odoo layer took {time.time() - t0:.0f} s")


def _odoo_steps(ctx):
    """c. install, upgrade, the addon's Odoo tests; d. OCA's suites; e. the live server suite;
    f. uninstall. Nothing runs after a failed install."""
    if not step_install(ctx):
        return
    step_upgrade(ctx)
    step_addon_tests(ctx)
    if not ctx.args.no_oca:
        step_oca_suites(ctx)
    step_live_server_suite(ctx)
    step_uninstall(ctx)


def step_install(ctx):
    """c1. A clean install of the addon: exit 0 and no WARNING or ERROR line in its log."""
    log = LOGS / "install.log"
    t1 = time.time()
    rc = run([*ctx.base, "-d", ctx.dbname, "-i", MODULE, "--stop-after-init", "--no-http"], log=log, env=ctx.env)
    problems = log_problems(log)
    if rc != 0 or problems:
        show_tail(log)
        ctx.tally.add(f"install {MODULE}", 0, 1, f"(exit {rc}, {len(problems)} WARNING/ERROR lines)")
        return False
    ctx.tally.add(f"install {MODULE}", 1, 0, f"(clean log, {time.time() - t1:.0f} s)")
    return True


def step_upgrade(ctx):
    """c2. The addon upgraded in place (-u, its migration scripts run): clean log too. odoo-bin does
    it: an upgrade is not a test pytest-odoo can run."""
    log = LOGS / "upgrade.log"
    t1 = time.time()
    cmd = [*ctx.base, "-d", ctx.dbname, "-u", MODULE, "--stop-after-init", "--no-http", "--max-cron-threads=0"]
    rc = run(cmd, log=log, env=ctx.env)
    problems = log_problems(log)
    if rc != 0 or problems:
        show_tail(log)
    ok = rc == 0 and not problems
    ctx.tally.add(f"upgrade {MODULE}", int(ok), int(not ok), f"(clean log, {time.time() - t1:.0f} s)" if ok else "")


def step_addon_tests(ctx):
    """c3. The addon's Odoo tests (tests/, HttpCase and the browser tour included) under pytest-odoo,
    with a server thread for HttpCase (--odoo-http); results from pytest's junit file."""
    t1 = time.time()
    tests = WORK / "addons" / MODULE / "tests"  # through the link: pytest-odoo names the module by its folder
    passed, failed, skipped = pytest_odoo_run("odoo-tests", [tests], ctx, http=True)
    ctx.tally.add(
        f"Odoo tests of {MODULE} (pytest-odoo)", passed, failed, f"({skipped} skipped, {time.time() - t1:.0f} s)"
    )


def step_oca_suites(ctx):
    """d. OCA's fieldservice and fieldservice_sale suites with the whole registry (this addon included)
    loaded, as odoo-bin's --test-file would run them, under pytest-odoo."""
    t1 = time.time()
    # OCA's test_fsm_order_default_team deletes every fsm.team, which fails while any job exists
    # (jobs need a team): this addon's demo jobs are removed first; its other data stays.
    script = (
        "from odoo.addons.base.models.ir_model import MODULE_UNINSTALL_FLAG\n"
        "data = env['ir.model.data'].search([('module', '=', %r), ('model', '=', 'fsm.order')])\n"
        "env['fsm.order'].browse(data.mapped('res_id')).with_context(**{MODULE_UNINSTALL_FLAG: True}).unlink()\n"
        "env.cr.commit()\n"
    ) % MODULE
    subprocess.run(
        [*ctx.shell, "-d", ctx.dbname, "--no-http", "--max-cron-threads=0", "--log-level=warn"],
        input=script,
        text=True,
        stdout=subprocess.DEVNULL,
        env=ctx.env,
        check=True,
    )
    suites = [ctx.oca_dir / module / "tests" for module in OCA_SUITES]
    passed, failed, skipped = pytest_odoo_run("oca-suites", suites, ctx, http=False)
    ctx.tally.add(
        f"OCA suites {', '.join(OCA_SUITES)} with {MODULE} loaded (pytest-odoo)",
        passed,
        failed,
        f"({skipped} skipped, {time.time() - t1:.0f} s)",
    )


def step_live_server_suite(ctx):
    """e. A live server (--workers) and the external pytest suite, with an Odoo API key for admin."""
    api_key = _make_api_key(ctx.shell, ctx.env, ctx.dbname)
    port = free_port()
    log = LOGS / "server.log"
    cmd = [
        *ctx.base,
        "-d",
        ctx.dbname,
        f"--db-filter=^{ctx.dbname}$",
        f"--http-port={port}",
        "--http-interface=127.0.0.1",
        f"--gevent-port={free_port()}",
        f"--workers={ctx.args.workers}",
        "--max-cron-threads=1",  # a cron worker delivers webhooks (pytests/external/test_webhooks_live.py)
        "--limit-time-real=300",
        "--log-level=info",
    ]
    log.parent.mkdir(parents=True, exist_ok=True)
    out = open(log, "w")
    server = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=ctx.env, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        if not _wait_health(url, server):
            show_tail(log, only_problems=False)
            ctx.tally.add("external pytest suite", 0, 1, "(server did not come up)")
            return
        say(f"   server up at {url} (--workers={ctx.args.workers})")
        penv = dict(
            ctx.env,
            FSJ_URL=url,
            FSJ_DB=ctx.dbname,
            FSJ_LOGIN="admin",
            FSJ_PASSWORD="admin",
            FSJ_SERVER_PID=str(server.pid),
            FSJ_API_KEY=api_key or "",
            FSJ_WORK=str(WORK),
            # for the fault test, which starts (and kills) a server of its own on this database
            FSJ_ODOO_CMD=json.dumps(
                [*ctx.base, "-d", ctx.dbname, f"--db-filter=^{ctx.dbname}$", "--max-cron-threads=0"]
            ),
        )
        t1 = time.time()
        for report in ("hardening.txt", "schemathesis.txt", "webhooks.txt"):
            (WORK / report).unlink(missing_ok=True)
        passed, failed = pytest_run("external", ROOT / "pytests" / "external", env=penv)
        ctx.tally.add(
            "external pytest suite (HTTP + XML-RPC, live server)", passed, failed, f"({time.time() - t1:.0f} s)"
        )
    finally:
        _stop(server)
        out.close()
    server_problems = [line for line in log_problems(log) if " ERROR " in line or " CRITICAL " in line]
    if server_problems:
        say("   server log ERROR lines (should be none for a client's mistakes):")
        for line in server_problems[-20:]:
            say(f"   | {line}")


def step_uninstall(ctx):
    """f. The addon uninstalls (must succeed, no ERROR in the log)."""
    log = LOGS / "uninstall.log"
    cmd = [*ctx.shell, "-d", ctx.dbname, "--no-http", "--max-cron-threads=0"]
    script = (
        "mod = env['ir.module.module'].search([('name', '=', %r)])\n"
        "mod.button_immediate_uninstall()\n"
        "env.cr.commit()\n"
        "print('UNINSTALL-STATE', env['ir.module.module'].search([('name', '=', %r)]).state)\n"
    ) % (MODULE, MODULE)
    proc = subprocess.run(
        cmd, input=script, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=ctx.env, check=False
    )
    log.write_text(proc.stdout)
    ok = "UNINSTALL-STATE uninstalled" in proc.stdout and not [
        x for x in log_problems(log) if " ERROR " in x or " CRITICAL " in x
    ]
    if not ok:
        show_tail(log, only_problems=False)
    ctx.tally.add(f"uninstall {MODULE}", int(ok), int(not ok))


def _make_api_key(shell, env, dbname):
    """An Odoo API key for the admin user (what README's Docker command does too)."""
    script = (
        "key = env['res.users.apikeys'].with_user(env.ref('base.user_admin'))._generate(None, 'run-tests', None)\n"
        "env.cr.commit()\n"
        "print('FSJ-API-KEY', key)\n"
    )
    proc = subprocess.run(
        [*shell, "-d", dbname, "--no-http", "--max-cron-threads=0", "--log-level=warn"],
        input=script,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        check=False,
    )
    match = re.search(r"^FSJ-API-KEY (\S+)$", proc.stdout, re.MULTILINE)
    if not match:
        say(proc.stdout[-3000:])
        return None
    return match.group(1)


def _wait_health(url, server, timeout=180):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if server.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(f"{url}/web/health", timeout=5) as resp:
                if resp.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(1)
    return False


def _stop(server):
    if server.poll() is not None:
        return
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    except (subprocess.TimeoutExpired, ProcessLookupError):
        try:
            os.killpg(server.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        server.wait()


# ---------------------------------------------------------------- main


def main():
    parser = argparse.ArgumentParser(
        prog="run-tests", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--fresh", action="store_true", help="rebuild the template database with the OCA addons")
    parser.add_argument("--keep-db", action="store_true", help="keep the test database afterwards")
    parser.add_argument("--no-oca", action="store_true", help="skip OCA's own suites (faster local runs)")
    parser.add_argument("--workers", type=int, default=2, help="server workers for the live suite (default 2)")
    parser.add_argument("--lint-only", action="store_true", help="run the Odoo-free layer only")
    parser.add_argument(
        "--ecosystem", action="store_true", help="only OCA's other Field Service suites, with and without the addon"
    )
    args = parser.parse_args()
    if args.ecosystem:
        import ecosystem  # scripts/ecosystem.py

        return ecosystem.main(["--keep-db"] if args.keep_db else [])

    started = time.time()
    tally = Tally()
    odoo_free_layer(tally, args)
    found, why = (None, "--lint-only") if args.lint_only else find_odoo()
    version = None
    if found:
        version = found[0]
        try:
            odoo_layer(tally, found, args)
        except Exception as exc:  # noqa: BLE001 - report and count, never hide
            import traceback

            traceback.print_exc()
            tally.add("Odoo layer", 0, 1, f"(runner error: {exc})")
    else:
        say(f"SKIPPED: Odoo suite (no Odoo 18 found: {why})")
        say("         Set ODOO_SRC / ODOO_PYTHON (README.rst, 'Running the tests') to run it.")

    elapsed = time.time() - started
    say("")
    say("== Summary")
    for layer, passed, failed, note in tally.rows:
        say(f"   {layer}: {passed} passed, {failed} failed {note}".rstrip())
    closing = f"{tally.passed} passed, {tally.failed} failed"
    WORK.mkdir(exist_ok=True)
    scope = f"Odoo {version}" if version else "Odoo-free layer only (SKIPPED: Odoo suite)"
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    (WORK / "last-run.txt").write_text(
        "".join(f"{r[0]}: {r[1]} passed, {r[2]} failed {r[3]}".rstrip() + "\n" for r in tally.rows)
        + f"{scope}, {stamp}, {elapsed:.0f} s: {closing}\n"
    )
    say(f"   {scope}, {elapsed:.0f} s")
    say(closing)
    return 0 if tally.failed == 0 and tally.passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
