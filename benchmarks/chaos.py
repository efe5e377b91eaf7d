"""kill -9 chaos: a real Celery worker syncing Rippling → Visma is SIGKILLed K times per trial and restarted.

    python benchmarks/chaos.py --records 1000 --kills 5
    python benchmarks/chaos.py --records 5000 --kills 22 --trials 3
    CELERY_BROKER_URL=redis://127.0.0.1:6379/12 python benchmarks/chaos.py --records 1000 --kills 5 --broker redis

Every other kill falls the instant Visma applied a create, before its 201 left the sandbox (between the
vendor's answer and our commit); the others at random moments. Workers' e-mails change between kills. After
the killed run, one more run picks the changes up. The sandbox (a thread of this process, real HTTP) then
says, per trial: duplicated (extra employees + creates Visma refused as 'already exists'), lost (workers with
no employee), stale (employees whose e-mail or status differ from Rippling's). The last line sums the trials:

    chaos: K kills, D duplicated, L lost, S stale

and the exit status is 1 when D, L or S is above 0. The worker runs on the database the harness creates
(SQLite in a temp dir, or a throwaway PostgreSQL database when DATABASE_URL names one) and on the chosen
broker: `filesystem` (a folder in the temp dir) or `redis` (CELERY_BROKER_URL, which must name a Redis db).
Runs killed while the product has no dead-worker reaper (syncs.tasks.runs_reap) are resumed by expiring
their lease and queueing them again; each trial line says which happened.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repo importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import django_bootstrap, workdir  # noqa: E402


def trial(sandbox, *, number: int, records: int, kills: int, rng: random.Random, timeout: float) -> tuple:
    from tests.support.chaos import DEAD_WORKER_ENV, chaos_trial, integration_setup
    from tests.support.worker import WorkerProcess

    integration = integration_setup(sandbox, workers=records, slug=f"trial-{number}")
    worker = WorkerProcess(queue="celery", extra_env={**DEAD_WORKER_ENV, "VENDOR_HTTP_TIMEOUT": "5"})
    try:
        return chaos_trial(app=sandbox.app, integration=integration, worker=worker, kills=kills, rng=rng,
                           records=records, timeout=timeout, log=lambda line: print(f"  {line}", flush=True))
    finally:
        worker.stop()
        worker.log_path.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1000, help="Rippling workers to sync (default 1000)")
    parser.add_argument("--kills", type=int, default=5, help="SIGKILLs of the worker per trial (default 5)")
    parser.add_argument("--trials", type=int, default=1)
    parser.add_argument("--broker", choices=("filesystem", "redis"), default="filesystem")
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--timeout", type=float, default=0, help="seconds per trial (default: 0.5 s per record)")
    args = parser.parse_args(argv)
    if args.broker == "redis":
        if not os.environ.get("CELERY_BROKER_URL", "").startswith("redis://"):
            parser.error("--broker redis: set CELERY_BROKER_URL to the Redis database to use (redis://host:port/db)")
    else:
        os.environ.pop("CELERY_BROKER_URL", None)  # the settings' default: a folder under VAR_DIR (the temp dir)

    rng = random.Random(args.seed)
    totals = {"kills": 0, "duplicated": 0, "lost": 0, "stale": 0}
    with workdir() as tmp:
        teardown = django_bootstrap(Path(tmp))
        from django.conf import settings

        from sandbox.server import start_in_thread
        from tests.support.chaos import DEAD_WORKER_ENV

        for name, value in DEAD_WORKER_ENV.items():
            setattr(settings, name, float(value))  # the reaper, when there is one, runs in this process
        # The trial's worker consumes the default queue only (as the chaos tests' does): runs queued here must
        # go there, not to the per-vendor queues production routes them to (mlconnector/routing.py).
        settings.SYNC_VENDOR_QUEUES = False
        sandbox = start_in_thread()
        print(f"chaos: {args.trials} trial(s) of {args.records:,} Rippling workers → Visma, {args.kills} SIGKILLs each, "
              f"broker {settings.CELERY_BROKER_URL.split('://')[0]}, database {settings.DATABASES['default']['ENGINE']}",
              flush=True)
        try:
            for number in range(1, args.trials + 1):
                result, tally, changes = trial(sandbox, number=number, records=args.records, kills=args.kills,
                                               rng=rng, timeout=args.timeout or max(120.0, args.records * 0.5))
                totals["kills"] += len(result.kills)
                totals["duplicated"] += tally.duplicated
                totals["lost"] += tally.lost
                totals["stale"] += tally.stale
                resumed = ", ".join(sorted(set(result.resumed_by))) or "-"
                print(f"trial {number}: {len(result.kills)} kills "
                      f"({sum(k.mode == 'answered' for k in result.kills)} between Visma's answer and the commit), "
                      f"run {result.run_status} in {result.seconds:.0f}s, resumed by {resumed}, "
                      f"changed {'+'.join(changes.done) or 'nothing'}; {tally.line()}", flush=True)
                for example in tally.examples[:3]:
                    print(f"  e.g. {example}")
        finally:
            sandbox.stop()
            teardown()
    print(f"chaos: {totals['kills']} kills, {totals['duplicated']} duplicated, {totals['lost']} lost, "
          f"{totals['stale']} stale")
    return 1 if totals["duplicated"] or totals["lost"] or totals["stale"] else 0


if __name__ == "__main__":
    sys.exit(main())
