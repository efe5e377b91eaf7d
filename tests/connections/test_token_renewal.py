"""Token renewal is single-flight: concurrent workers of one connection ask the vendor for one token.

Against the Visma sandbox's token endpoint, with the shared token cache the workers really use
(Redis with REDIS_URL, else the file cache and a file lock under VAR_DIR).
"""
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

from connections.vendors import get_vendor
from demo.setup import sandbox_connection_fields

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 6
PROCESSES = 4  # each starts Django: enough to race, few enough for two cores

WORKER_PROCESS = """
import json, os, sys, time, django
os.environ["DJANGO_SETTINGS_MODULE"] = "mlconnector.settings"
django.setup()
from connections.vendors import get_vendor
fields, cache_key, start_at = json.loads(sys.argv[1]), sys.argv[2], float(sys.argv[3])
client = get_vendor("visma").client_class(base_url=fields["base_url"], credentials=fields["credentials"],
                                          config=fields["config"], cache_key=cache_key)
time.sleep(max(0.0, start_at - time.time()))  # every process asks at the same moment
print(client.token().value)
"""


def token_requests(sandbox):
    return sandbox.app.log.filter(vendor="visma", path_contains="/connect/token")


def visma_client(fields, cache_key):
    return get_vendor("visma").client_class(base_url=fields["base_url"], credentials=fields["credentials"],
                                            config=fields["config"], cache_key=cache_key)


def test_threads_of_one_connection_fetch_one_token(sandbox, db):
    fields = sandbox_connection_fields("visma", sandbox.url)
    cache_key = f"visma:threads-{uuid.uuid4().hex[:8]}"
    start, tokens = threading.Barrier(WORKERS), []

    def worker():
        client = visma_client(fields, cache_key)  # one client per worker, as in the fleet
        start.wait()
        tokens.append(client.token().value)

    threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(tokens) == WORKERS and len(set(tokens)) == 1
    assert len(token_requests(sandbox)) == 1


def test_worker_processes_of_one_connection_fetch_one_token(sandbox, settings):
    fields = sandbox_connection_fields("visma", sandbox.url)
    cache_key = f"visma:processes-{uuid.uuid4().hex[:8]}"
    start_at = time.time() + 6  # after every process has started Django
    env = {**os.environ, "VAR_DIR": str(settings.VAR_DIR)}
    processes = [subprocess.Popen([sys.executable, "-c", WORKER_PROCESS, json.dumps(fields), cache_key,
                                   str(start_at)], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True) for _ in range(PROCESSES)]
    outputs = [p.communicate(timeout=60) for p in processes]

    assert all(p.returncode == 0 for p in processes), [err for _, err in outputs]
    assert len({out.strip() for out, _ in outputs}) == 1
    assert len(token_requests(sandbox)) == 1
