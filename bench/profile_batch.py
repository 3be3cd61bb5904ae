# Profile of a REST batch create of 1,000 jobs, in-process, as the REST API does it (ModelApi.create_records,
# then the answer rendered, then the transaction's precommit hooks: the change log), against the same 1,000
# jobs created one by one (what 1,000 XML-RPC creates do in the ORM). Rolled back. Run it on a database
# with the addon and bench customers (bench/seed.py), e.g.:
#   FSJ_PROFILE=1 odoo-bin shell -d fsj_bench --addons-path=... < bench/profile_batch.py
# FSJ_AB=1 also times the batch through the per-job path of before (interleaved); FSJ_PROFILE=1 prints a
# cProfile of the batch (cumulative and own time), FSJ_PROFILE=pyinstrument a sampled call tree (pip install
# pyinstrument); FSJ_ONE_BY_ONE=0 leaves the one-by-one creates out; FSJ_N sets the batch size (1000),
# FSJ_ROUNDS the number of timed rounds (3, medians).
import cProfile
import io
import os
import pstats
import statistics
import time

from odoo.addons.fieldservice_jobs.restapi import service

N = int(os.environ.get("FSJ_N", "1000"))
ROUNDS = int(os.environ.get("FSJ_ROUNDS", "3"))
user_env = env(user=env.ref("base.user_admin"))  # noqa: F821
exposed = user_env["res.config.settings"]._fsm_jobs_api_models()
partners = user_env["res.partner"].search([("name", "=like", "Bench Customer %")], limit=50, order="id")
bodies = [{"partner_id": partners[i % len(partners)].id, "description": f"batch {i}"} for i in range(N)]


def batch():
    api = service.ModelApi(user_env, "fsm.order", exposed)
    records = api.create_records([dict(b) for b in bodies])
    api.render_created(records, ["id"])
    user_env.flush_all()
    user_env.cr.precommit.run()


def one_by_one():
    for body in bodies:
        api = service.ModelApi(user_env, "fsm.order", exposed)
        record = api.create_record(dict(body))
        api.render_created(record, ["id"])
        user_env.flush_all()
        user_env.cr.precommit.run()


def timed(fn, name=None):
    t0, c0 = time.perf_counter(), time.process_time()
    fn()
    elapsed = time.perf_counter() - t0
    cpu[name or fn.__name__].append(time.process_time() - c0)
    user_env.cr.rollback()
    user_env.invalidate_all()
    user_env.registry.clear_cache()
    return elapsed


def per_job_path(enable):
    """FSJ_AB=1: the create of before the batch shortcuts (models/fsm_order.py), for an A/B: a sequence
    call, the defaults and a location lookup per job, as OCA and Odoo do them."""
    cls = type(user_env["fsm.order"])
    if not enable:
        for name in ("_fsj_draw_names", "_prepare_create_values", "_fsj_customer_locations"):
            cls.__dict__.get(name) and delattr(cls, name)
        return
    ours = next(c for c in cls.__mro__ if "_fsj_draw_names" in c.__dict__)

    def customer_locations(self, partners):
        out = {}
        for partner in partners:
            one = self.env["res.partner"].browse(partner.id)  # as before: one partner at a time
            out[partner.id] = ours._fsj_customer_locations(self, one)[partner.id]
        return out

    cls._fsj_draw_names = lambda self, count: None
    cls._prepare_create_values = lambda self, vals_list: super(ours, self)._prepare_create_values(vals_list)
    cls._fsj_customer_locations = customer_locations


batch()  # warm the caches
user_env.cr.rollback()
user_env.invalidate_all()
times = {"batch": [], "one_by_one": []}
cpu = {"batch": [], "one_by_one": []}  # this process's CPU time: less noisy on a loaded machine
if os.environ.get("FSJ_AB"):
    times["batch_per_job_path"], cpu["batch_per_job_path"] = [], []
for _i in range(ROUNDS):
    times["batch"].append(timed(batch))
    if os.environ.get("FSJ_AB"):
        per_job_path(True)
        times["batch_per_job_path"].append(timed(batch, "batch_per_job_path"))
        per_job_path(False)
    if os.environ.get("FSJ_ONE_BY_ONE", "1") == "1":
        times["one_by_one"].append(timed(one_by_one))
for name, values in times.items():
    if values:
        print(
            f"== {name} of {N}: median {statistics.median(values):.3f} s ({', '.join(f'{v:.3f}' for v in values)}), "
            f"Odoo's CPU {statistics.median(cpu[name]):.3f} s"
        )
if os.environ.get("FSJ_PROFILE") == "pyinstrument":
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005)
    profiler.start()
    batch()
    profiler.stop()
    user_env.cr.rollback()
    print(profiler.output_text(unicode=False, color=False, show_all=False)[:40000])
elif os.environ.get("FSJ_PROFILE"):
    profiler = cProfile.Profile()
    profiler.enable()
    batch()
    profiler.disable()
    user_env.cr.rollback()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(45)
    print(out.getvalue())
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(30)
    print(out.getvalue())
