"""Where a request's time goes in the server, REST against Odoo's JSON-RPC, measured on a real worker.

    python3 bench/profile_http.py --size 10000 --requests 400 [--what detail|list] [--against jsonrpc|trivial]

Grows (or reuses) the bench database of bench/run_bench.py to --size jobs, starts a server with one
worker (prefork, as production), and samples that worker with py-spy (`pip install py-spy`; needs
ptrace, e.g. root) while a client sends the same request --requests times, once through the REST API,
once through JSON-RPC (--against trivial: once to the floor's trivial route, GET /restapi/1.0/ with the
same query string and headers, as bench/run_bench.py's floor). It prints, per side, the worker's CPU
milliseconds per request spent in each function (inclusive), and the functions where REST spends more
than the other side. Not a test.
"""

import argparse
import collections
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run_bench


def sample(pid, fn, n, rate, out):
    spy = subprocess.Popen(
        ["py-spy", "record", "--pid", str(pid), "--rate", str(rate), "--format", "raw", "--output", str(out),
         "--nonblocking"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    time.sleep(1.0)  # py-spy attaches
    t0 = time.perf_counter()
    for _i in range(n):
        fn()
    wall = (time.perf_counter() - t0) / n * 1000
    spy.send_signal(signal.SIGINT)
    spy.wait(timeout=60)
    return wall


def functions(path, n, rate):
    """Inclusive samples per function (file:function), as ms of worker time per request."""
    incl = collections.Counter()
    total = 0
    for line in Path(path).read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        count = int(count)
        frames = stack.split(";")
        if any(f.startswith("process_request") or "select" in f.split(" ")[0] for f in frames[-1:]):
            continue  # idle: the worker waiting for a request
        total += count
        for frame in set(frames):
            name = frame.split(" (")[0]
            where = frame.split(" (")[1].split(":")[0] if " (" in frame else ""
            incl[f"{name} ({'/'.join(where.split('/')[-3:])})"] += count
    scale = 1000.0 / rate / n
    return total * scale, {k: v * scale for k, v in incl.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=10000)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--what", choices=("detail", "list"), default="detail")
    parser.add_argument("--against", choices=("jsonrpc", "trivial"), default="jsonrpc")
    parser.add_argument("--rate", type=int, default=1000, help="py-spy samples per second")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--db", default="fsj_bench")
    args = parser.parse_args()
    bench = run_bench.Bench(
        argparse.Namespace(
            db=args.db,
            reuse=True,
            workers=1,
            requests=args.requests,
            seconds=1,
            keep_db=True,
            sizes=[args.size],
            port=None,
            db_filter=False,
        )
    )
    bench.prepare()
    bench.seed(args.size)
    key = bench.api_key()
    bench.start()
    try:
        calls = bench.calls(key)
        rest, rpc = calls[args.what]
        if args.against == "trivial":
            client = calls["clients"][0]

            def rpc():
                client.get(f"{bench.url}/restapi/1.0/", params=calls["list_params"], timeout=120)

        for _i in range(20):
            rest()
            rpc()
        workers = [c.pid for c in psutil.Process(bench.server.pid).children() if "gevent" not in c.cmdline()]
        worker = workers[0]
        out = {}
        for side, fn in (("rest", rest), (args.against, rpc)):
            path = run_bench.rt.LOGS / f"profile-{args.what}-{side}.txt"
            wall = sample(worker, fn, args.requests, args.rate, path)
            cpu, incl = functions(path, args.requests, args.rate)
            out[side] = incl
            print(f"\n== {side} {args.what}: client {wall:.2f} ms/request, worker busy {cpu:.2f} ms/request")
            for name, ms in sorted(incl.items(), key=lambda kv: -kv[1])[: args.top]:
                print(f"{ms:8.2f}  {name}")
        print(f"\n== REST minus {args.against} (ms/request, inclusive)")
        other = out[args.against]
        diff = {k: out["rest"].get(k, 0) - other.get(k, 0) for k in set(out["rest"]) | set(other)}
        for name, ms in sorted(diff.items(), key=lambda kv: -abs(kv[1]))[: args.top]:
            print(f"{ms:+8.2f}  {name}")
    finally:
        bench.stop()
    return os.EX_OK


if __name__ == "__main__":
    sys.exit(main())
