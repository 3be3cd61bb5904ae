"""Ecosystem check: OCA's other Field Service 18.0 addons, with and without fieldservice_jobs.

Run as ``python3 scripts/ecosystem.py`` or ``./run-tests --ecosystem``.

The addons of ecosystem-requirements.txt (and fieldservice, fieldservice_sale, ... of
oca-requirements.txt) are fetched from PyPI into .odoo-test/ecosystem/<hash>/, and their own test
suites run on two databases that differ only by fieldservice_jobs:

  A  eco_without_<pid>: fieldservice_sale + the Odoo modules the ecosystem addons need, with demo data
     (what OCA's CI installs before the addons under test);
  B  eco_with_<pid>: a copy of A where fieldservice_jobs is then installed (demo data too).

On each side two phases run the same tests:

  install  ``-i <ecosystem addons> --test-enable --test-tags /<addon>,...`` as OCA's CI does: every
           at_install test runs right after its own addon is installed, post_install ones at the end.
           On side B fieldservice_jobs is already installed, so it is loaded (its overrides active)
           before any of them: a joint install would load it after them (it sits deeper in the
           dependency graph) and their at_install tests would never see it.
  loaded   each test file again with ``--test-file``, once the whole registry is loaded in its normal
           order (as a restarted server has it: fieldservice_jobs above the shallower addons in the
           method resolution order, which the install phase reverses).

A test is compared per side, phase, addon and ``Class.method``. One that fails on both sides "fails on
its own" and is not counted; one that fails (or no longer runs) only on side B is a failure. Those are
run once more on side B after fieldservice_jobs' demo jobs are removed, to tell its demo data from its
code. ERROR log lines outside the tests that only side B has are listed too (OCA's CI rejects them).
The run ends with ``N passed, N failed`` (passed: tests passing with fieldservice_jobs; failed: tests
failing only with it) and writes the same report to .odoo-test/ecosystem.txt.
"""

import argparse
import ast
import collections
import datetime
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run_tests  # the project's runner: Odoo discovery, PostgreSQL, OCA wheels
from run_tests import MODULE, ROOT, WORK, addon_name, say

ECO = WORK / "ecosystem"
LOGS = ECO / "logs"
DATA = ECO / "data"
REPORT = WORK / "ecosystem.txt"

RESULT_RE = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests")
LINE_RE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (\w+) \S+ (\S+): (.*)$")
ADDON_LOGGER_RE = re.compile(r"^odoo\.addons\.(\w+)\.tests(?:\.\w+)*$")
TEST_RE = re.compile(r"^(?:Subtest )?([\w.]+?\.test\w*)\b")
SUMMARY_NOISE_RE = re.compile(
    r"at least one error occurred in a test|failures, \d+ errors of \d+ tests|error\(s\) of \d+ tests"
)
HOLDER_RE = re.compile(r"^(?:ERROR|FAIL): (\w+) \(odoo\.addons\.(\w+)\.tests\.[\w.]*?(\w+)\)")


# ---------------------------------------------------------------- wheels


def requirements(path):
    reqs = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            reqs.append(line)
    return reqs


def fetch_ecosystem(env, oca_dir):
    """pip download (no deps: they would ask for `odoo`) of ecosystem-requirements.txt, unpacked into
    .odoo-test/ecosystem/<key>/; fails when a wheel needs an OCA addon found in neither list."""
    reqs = requirements(ROOT / "ecosystem-requirements.txt")
    key = hashlib.sha256("\n".join(reqs).encode()).hexdigest()[:12]
    target = ECO / key
    if (target / ".complete").exists():
        return target, reqs
    needed = run_tests.download_addons(reqs, target, "ecosystem addons", env)
    absent = sorted(m for m in needed if not (target / m).exists() and not (oca_dir / m).exists())
    if absent:
        raise RuntimeError(f"ecosystem-requirements.txt misses OCA dependencies: {', '.join(absent)}")
    (target / ".complete").write_text("\n".join(reqs) + "\n")
    return target, reqs


def manifest(path):
    return ast.literal_eval((path / "__manifest__.py").read_text())


# ---------------------------------------------------------------- databases (own data dir)


def db_drop(name):
    run_tests.db_drop(name, DATA)


def db_copy(template, name):
    conn = run_tests.pg_connect()
    try:
        with conn.cursor() as cr:
            cr.execute(f'CREATE DATABASE "{name}" WITH TEMPLATE "{template}"')
    finally:
        conn.close()
    src = DATA / "filestore" / template
    if src.exists():
        shutil.copytree(src, DATA / "filestore" / name)


# ---------------------------------------------------------------- log parsing


class Outcome:
    """Tests seen in one log: started (run) and failed (FAIL/ERROR), keyed (addon, 'Class.method')."""

    def __init__(self):
        self.run = set()
        self.failed = set()
        self.summary = None  # (failed, errors, tests) of the last summary line
        self.other_errors = []  # ERROR/CRITICAL lines that are not a test's

    def merge(self, other):
        self.run |= other.run
        self.failed |= other.failed
        self.other_errors += other.other_errors


def parse_log(log, addons):
    out = Outcome()
    for line in open(log, errors="replace"):
        line = line.rstrip("\n")
        match = LINE_RE.match(line)
        if not match:
            continue
        level, logger, msg = match.groups()
        summary = RESULT_RE.search(msg)
        if summary and logger.startswith("odoo.tests"):
            out.summary = tuple(int(x) for x in summary.groups())
        holder = HOLDER_RE.match(msg)
        if holder and level == "ERROR":  # setUpClass / setUpModule errors: no test of the class runs
            fixture, addon, cls = holder.groups()
            if addon in addons:
                out.failed.add((addon, f"{cls}.{fixture}"))
                out.run.add((addon, f"{cls}.{fixture}"))
            continue
        addon_match = ADDON_LOGGER_RE.match(logger)
        addon = addon_match.group(1) if addon_match else None
        if addon in addons:
            if msg.startswith("Starting "):
                test = TEST_RE.match(msg[len("Starting ") :])
                if test:
                    out.run.add((addon, test.group(1)))
                continue
            for flavour in ("FAIL: ", "ERROR: "):
                if msg.startswith(flavour) and level == "ERROR":
                    test = TEST_RE.match(msg[len(flavour) :])
                    key = (addon, test.group(1) if test else msg[len(flavour) :].strip())
                    out.failed.add(key)
                    out.run.add(key)
                    break
            else:
                if level in ("ERROR", "CRITICAL") and not msg.startswith("Starting"):
                    out.other_errors.append(line)
            continue
        if level in ("ERROR", "CRITICAL") and not SUMMARY_NOISE_RE.search(msg):
            out.other_errors.append(line)
    return out


# ---------------------------------------------------------------- one side


def odoo_run(base, env, dbname, extra, log):
    cmd = [*base, "-d", dbname, "--stop-after-init", "--max-cron-threads=0", *extra]
    return run_tests.run(cmd, log=log, env=env)


def test_side(side, base, env, dbname, eco_addons, eco_dir, args):
    """Both phases of one side; returns {phase: Outcome} and notes."""
    results, notes = {}, []
    http = [f"--http-port={run_tests.free_port()}", "--http-interface=127.0.0.1", "--gevent-port=0"]
    # install phase
    log = LOGS / f"{side}-install.log"
    t0 = time.time()
    tags = ",".join(f"/{a}" for a in eco_addons)
    rc = odoo_run(
        base,
        env,
        dbname,
        ["-i", ",".join(eco_addons), "--test-enable", f"--test-tags={tags}", "--log-level=test", *http],
        log,
    )
    out = parse_log(log, eco_addons)
    if out.summary is None:
        notes.append(f"{side} install: no test summary (exit {rc}), see {log.relative_to(ROOT)}")
    results["install"] = out
    say(
        f"   {side}: install phase, {len(out.run)} tests, {len(out.failed)} failed "
        f"(exit {rc}, {time.time() - t0:.0f} s)"
    )
    # loaded phase: every test file once the whole registry is loaded
    if not args.no_loaded:
        t0 = time.time()
        total = Outcome()
        for addon in eco_addons:
            for test_file in sorted((eco_dir / addon / "tests").glob("test_*.py")):
                log = LOGS / f"{side}-loaded-{addon}-{test_file.stem}.log"
                rc = odoo_run(
                    base,
                    env,
                    dbname,
                    [
                        f"--test-file={test_file}",
                        "--test-enable",
                        "--test-tags=/fieldservice_ecosystem_none",  # only the test file's tests
                        "--log-level=test",
                        *http,
                    ],
                    log,
                )
                out = parse_log(log, eco_addons)
                if out.summary is None or (rc != 0 and not out.failed):
                    key = (addon, f"{test_file.stem} (no result, exit {rc})")
                    out.run.add(key)
                    out.failed.add(key)
                    notes.append(f"{side} loaded {addon}/{test_file.name}: no result, see {log.relative_to(ROOT)}")
                total.merge(out)
        results["loaded"] = total
        say(f"   {side}: loaded phase, {len(total.run)} tests, {len(total.failed)} failed ({time.time() - t0:.0f} s)")
    return results, notes


# ---------------------------------------------------------------- report


def compare(without, with_, eco_addons):
    """Per addon rows and totals. A test missing on side B that ran on side A counts as failing with."""
    rows, only_with_all, own_all = [], [], []
    passed = 0
    for addon in eco_addons:
        run_a = failed_a = run_b = failed_b = 0
        only_with, own = [], []
        for phase in without:
            a, b = without[phase], with_.get(phase, Outcome())
            tests_a = {t for (m, t) in a.run if m == addon}
            tests_b = {t for (m, t) in b.run if m == addon}
            fail_a = {t for (m, t) in a.failed if m == addon}
            fail_b = {t for (m, t) in b.failed if m == addon}
            missing_b = tests_a - tests_b - fail_a
            run_a += len(tests_a)
            run_b += len(tests_b | missing_b)
            failed_a += len(fail_a)
            failed_b += len(fail_b | missing_b)
            for test in sorted((fail_b - fail_a) | missing_b):
                only_with.append((addon, phase, test, " (did not run)" if test in missing_b else ""))
            own += [f"{phase}: {t}" for t in sorted(fail_a & fail_b)]
            passed += len(tests_b - fail_b)
        rows.append((addon, run_a, run_b, failed_a, failed_b, only_with, own))
        only_with_all += only_with
        own_all += [f"{addon} {t}" for t in own]
    return rows, only_with_all, own_all, passed


def recheck_without_demo(base, shell, env, dbname, only_with, eco_dir):
    """Tell a failure caused by fieldservice_jobs' demo jobs from one caused by its code: remove its demo
    fsm.order records from side B (as ./run-tests does before OCA's fieldservice suite), run the files
    of the addons concerned again (loaded), and return {(addon, test): still failing}."""
    script = (
        "from odoo.addons.base.models.ir_model import MODULE_UNINSTALL_FLAG\n"
        "data = env['ir.model.data'].search([('module', '=', %r), ('model', '=', 'fsm.order')])\n"
        "env['fsm.order'].browse(data.mapped('res_id')).with_context(**{MODULE_UNINSTALL_FLAG: True}).unlink()\n"
        "env.cr.commit()\n"
    ) % MODULE
    proc = subprocess.run(
        [*shell, "-d", dbname, "--no-http", "--max-cron-threads=0", "--log-level=warn"],
        input=script,
        text=True,
        stdout=subprocess.DEVNULL,
        env=env,
        check=False,
    )
    if proc.returncode != 0:
        return {}
    addons = sorted({entry[0] for entry in only_with})
    out = Outcome()
    http = [f"--http-port={run_tests.free_port()}", "--http-interface=127.0.0.1", "--gevent-port=0"]
    for addon in addons:
        for test_file in sorted((eco_dir / addon / "tests").glob("test_*.py")):
            log = LOGS / f"with-nodemo-{addon}-{test_file.stem}.log"
            extra = [f"--test-file={test_file}", "--test-enable", "--test-tags=/fieldservice_ecosystem_none"]
            odoo_run(base, env, dbname, [*extra, "--log-level=test", *http], log)
            out.merge(parse_log(log, addons))
    return {(a, t): (a, t) in out.failed or (a, t) not in out.run for (a, _p, t, _w) in only_with}


def _error_key(line):
    match = LINE_RE.match(line)
    text = f"{match.group(2)}: {match.group(3)}" if match else line
    return re.sub(r"\d+", "N", text)


def report_text(rows, only_with, own, passed, notes, without, with_, meta, demo=None):
    lines = [f"Ecosystem check of {MODULE}: {meta}", ""]
    head = f"{'addon':34} {'run (A/B)':>10} {'failed without':>15} {'failed with':>12} {'only with':>10}"
    lines += [head, "-" * len(head)]
    for addon, run_a, run_b, failed_a, failed_b, only, _own in rows:
        lines.append(f"{addon:34} {f'{run_a}/{run_b}':>10} {failed_a:>15} {failed_b:>12} {len(only):>10}")
        lines += [f"    fails only with {MODULE}: {phase}: {test}{why}" for (_a, phase, test, why) in only]
    lines.append("")
    lines.append(f"Tests that fail with {MODULE} only ({len(only_with)}):")
    for addon, phase, test, why in only_with:
        label = ""
        if demo and (addon, test) in demo:
            label = (
                f"  [still fails without {MODULE}'s demo jobs: its code]"
                if demo[(addon, test)]
                else f"  [passes once {MODULE}'s demo jobs are removed: its demo data, not its code]"
            )
        lines.append(f"  {addon} {phase}: {test}{why}{label}")
    if not only_with:
        lines.append("  none")
    lines.append(f"Tests that fail on their own, with and without {MODULE} (not counted) ({len(own)}):")
    lines += [f"  {t}" for t in own] or ["  none"]
    # ERROR lines outside any test's FAIL/ERROR (OCA's CI rejects a log holding them): those of side B
    # that side A does not have, told apart by their text without time, process, database and numbers
    errors_a = {_error_key(line) for out in without.values() for line in out.other_errors}
    errors_b = collections.Counter()
    first = {}
    for out in with_.values():
        for line in out.other_errors:
            key = _error_key(line)
            if key not in errors_a:
                errors_b[key] += 1
                first.setdefault(key, line)
    lines.append(f"ERROR log lines outside the tests, only with {MODULE} ({sum(errors_b.values())}):")
    lines += [f"  {n} x {first[k][:400]}" for k, n in errors_b.most_common()] or ["  none"]
    if notes:
        lines.append("Notes:")
        lines += [f"  {n}" for n in notes]
    lines.append("")
    lines.append(f"{passed} passed, {len(only_with)} failed")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- main


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="ecosystem", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--keep-db", action="store_true", help="keep both databases afterwards")
    parser.add_argument("--no-loaded", action="store_true", help="skip the loaded phase (--test-file runs)")
    parser.add_argument(
        "--addon", type=Path, default=ROOT, help=f"the {MODULE} folder to test (default: this work tree)"
    )
    parser.add_argument("--only", help="comma-separated ecosystem addons to test (default: all)")
    args = parser.parse_args(argv)

    started = time.time()
    found, why = run_tests.find_odoo()
    if not found:
        say(f"ecosystem: no Odoo 18 ({why})")
        say("0 passed, 1 failed")
        return 1
    version, src_dir, env = found
    env = dict(env, PYTHONUNBUFFERED="1")
    odoo_cmd = run_tests.odoo_command(src_dir)
    run_tests.pg_connect().close()
    say(f"== Ecosystem check: Odoo {version} from {src_dir}")
    oca_dir, _key = run_tests.fetch_oca(env)
    eco_dir, reqs = fetch_ecosystem(env, oca_dir)
    eco_addons = sorted(addon_name(r) for r in reqs)
    if args.only:
        eco_addons = [a for a in eco_addons if a in args.only.split(",")]
    # what OCA's CI installs before the addons under test: their dependencies (Odoo modules and OCA
    # addons), here with fieldservice_sale, which fieldservice_jobs needs: side A and B differ by
    # fieldservice_jobs alone.
    deps = {"fieldservice_sale"}
    for addon in eco_addons:
        deps |= set(manifest(eco_dir / addon).get("depends", []))
    deps -= set(eco_addons)
    link_dir = ECO / "addons"
    link_dir.mkdir(parents=True, exist_ok=True)
    link = link_dir / MODULE
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(args.addon.resolve(), target_is_directory=True)
    core = [str(p) for p in (src_dir / "addons", src_dir / "odoo" / "addons") if p.is_dir()]
    opts = [f"--data-dir={DATA}", *run_tests.db_options()]
    base_without = [*odoo_cmd, f"--addons-path={','.join([*core, str(oca_dir), str(eco_dir)])}", *opts]
    base_with = [*odoo_cmd, f"--addons-path={','.join([*core, str(oca_dir), str(eco_dir), str(link_dir)])}", *opts]
    shutil.rmtree(LOGS, ignore_errors=True)
    LOGS.mkdir(parents=True)

    db_a, db_b = f"eco_without_{os.getpid()}", f"eco_with_{os.getpid()}"
    notes, demo = [], {}
    try:
        for db in (db_a, db_b):
            db_drop(db)
        t0 = time.time()
        say(f"   {db_a}: installing {', '.join(sorted(deps))} with demo data")
        log = LOGS / "base-install.log"
        rc = odoo_run(base_without, env, db_a, ["-i", ",".join(sorted(deps)), "--no-http", "--log-level=warn"], log)
        if rc != 0 or parse_log(log, ()).other_errors:
            run_tests.show_tail(log)
            raise RuntimeError(f"installing the dependencies failed (exit {rc})")
        say(f"   dependencies installed in {time.time() - t0:.0f} s; {db_b}: copy + install {MODULE}")
        db_copy(db_a, db_b)
        log = LOGS / f"install-{MODULE}.log"
        rc = odoo_run(base_with, env, db_b, ["-i", MODULE, "--no-http", "--log-level=warn"], log)
        if rc != 0 or parse_log(log, ()).other_errors:
            run_tests.show_tail(log)
            raise RuntimeError(f"installing {MODULE} failed (exit {rc})")
        without, notes_a = test_side("without", base_without, env, db_a, eco_addons, eco_dir, args)
        with_, notes_b = test_side("with", base_with, env, db_b, eco_addons, eco_dir, args)
        notes += notes_a + notes_b
        only_with = compare(without, with_, eco_addons)[1]
        if only_with:
            say(f"   {len(only_with)} failing only with {MODULE}: running their files again without its demo jobs")
            shell = [*odoo_cmd, "shell", *base_with[len(odoo_cmd) :]]
            demo = recheck_without_demo(base_with, shell, env, db_b, only_with, eco_dir)
    finally:
        if args.keep_db:
            say(f"   kept databases {db_a}, {db_b} (--keep-db); data dir {DATA}")
        else:
            for db in (db_a, db_b):
                db_drop(db)

    rows, only_with, own, passed = compare(without, with_, eco_addons)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    meta = f"Odoo {version}, {stamp}, {time.time() - started:.0f} s; logs in {LOGS.relative_to(ROOT)}"
    text = report_text(rows, only_with, own, passed, notes, without, with_, meta, demo)
    WORK.mkdir(exist_ok=True)
    REPORT.write_text(text)
    say("")
    say(text.rstrip("\n"))
    return 0 if not only_with and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
