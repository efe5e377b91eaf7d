"""The embedded default (one SQLite file) under the demo's worker, beat, web server and set-up, plus write load.

Before WAL, BEGIN IMMEDIATE and the busy timeout, one demo run in five died in set-up with
`database is locked`. Here, on top of the demo's own writes, admin sign-ins write sessions and last_login
through the web server, a beat entry fires every second (beat writes its run count, the worker the
connection's test result), and one more process keeps reading then writing in transactions, as an operator's
command would.
"""
import signal
import sqlite3
import subprocess
import sys
import threading
import time

import pytest
import requests

from mlconnector.devkeys import dev_secret
from tests.support.embedded import ROOT, demo_process, embedded_env
from tests.support.worker import wait_for

pytestmark = pytest.mark.worker

EVERY_SECOND = """
from django_celery_beat.models import IntervalSchedule, PeriodicTask
every, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.SECONDS)
PeriodicTask.objects.create(name="load: test connection 1 every second", interval=every,
                            task="connections.tasks.connection_test_task", args="[1]")
"""

# Read, then write, in one transaction: the pattern that deadlocks two deferred SQLite transactions.
READ_THEN_WRITE = """
import time
from django.db import transaction
from connections.models import Tenant
deadline, writes = time.monotonic() + {seconds}, 0
while time.monotonic() < deadline:
    with transaction.atomic():
        seen = Tenant.objects.filter(slug="load").count()
        Tenant.objects.update_or_create(slug="load", defaults={{"name": f"load {{writes}} {{seen}}"}})
    writes += 1
print("writes", writes)
"""


def sign_in_repeatedly(web: str, password: str, stop: threading.Event, outcomes: list) -> None:
    while not stop.is_set():
        with requests.Session() as session:
            try:
                login = session.get(f"{web}/admin/login/", timeout=30)
                answer = session.post(f"{web}/admin/login/", timeout=30, allow_redirects=False, data={
                    "username": "demo", "password": password, "next": "/admin/",
                    "csrfmiddlewaretoken": session.cookies.get("csrftoken", "")},
                    headers={"Referer": login.url})
                outcomes.append(answer.status_code)
            except requests.ConnectionError:
                time.sleep(0.2)  # the web server is not up yet


def test_worker_beat_web_and_the_demo_share_one_sqlite_file_without_database_is_locked(tmp_path):
    password = dev_secret(tmp_path, "demo_password")  # the demo user's, as the demo will read it
    stop, outcomes = threading.Event(), []
    with demo_process(tmp_path) as demo:
        subprocess.run([sys.executable, "manage.py", "shell", "-c", EVERY_SECOND], cwd=ROOT, env=demo.env,
                       check=True)
        writer = subprocess.Popen([sys.executable, "manage.py", "shell", "-c", READ_THEN_WRITE.format(seconds=45)],
                                  cwd=ROOT, env=demo.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        signers = [threading.Thread(target=sign_in_repeatedly, args=(demo.web, password, stop, outcomes))
                   for _ in range(4)]
        try:
            # Sign-ins start once the demo user exists (it tests connections and syncs after that).
            wait_for(lambda: "Demo tenant:" in demo.output.read_text() or demo.process.poll() is not None,
                     timeout=120, message="the demo user")
            for signer in signers:
                signer.start()
            demo.wait_ready()
            time.sleep(10)  # the load goes on against the running demo
        finally:
            stop.set()
            for signer in signers:
                if signer.is_alive():
                    signer.join()
            written = writer.communicate(timeout=120)[0]
            demo.process.send_signal(signal.SIGTERM)
            demo.process.wait(timeout=60)
        output = demo.output

    logs = {path.name: path.read_text() for path in [output, *(tmp_path / "logs").glob("*.log")]}
    logs["writer"] = written
    assert {name for name, text in logs.items() if "database is locked" in text} == set()
    assert "Running;" in logs["demo.out"], logs["demo.out"][-3000:]
    assert writer.returncode == 0 and int(written.split()[-1]) >= 100, written[-3000:]
    assert outcomes.count(302) >= 5 and set(outcomes) == {302}, sorted(set(outcomes))
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        (beat_runs,), = db.execute("SELECT total_run_count FROM django_celery_beat_periodictask "
                                   "WHERE name LIKE 'load:%'")
        (last_login_writes,), = db.execute("SELECT count(*) FROM django_session")
    assert beat_runs >= 10 and last_login_writes >= 5, (beat_runs, last_login_writes)


def test_the_embedded_default_uses_wal_synchronous_full_and_a_busy_timeout(tmp_path):
    shown = subprocess.run([sys.executable, "manage.py", "shell", "-c",
                            "from django.db import connection; c = connection.cursor(); print(*(c.execute("
                            "f'PRAGMA {p}').fetchone()[0] for p in ('journal_mode', 'synchronous', 'busy_timeout')))"],
                           cwd=ROOT, env=embedded_env(tmp_path), check=True, capture_output=True, text=True)
    assert shown.stdout.split()[-3:] == ["wal", "2", "30000"]  # synchronous 2 is FULL
