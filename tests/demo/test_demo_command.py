"""`manage.py demo` stops every child it started (sandbox, worker, beat, web) on SIGTERM, as on Ctrl-C."""
import os
import signal
import subprocess
import sys

import pytest

from tests.support.embedded import ROOT, alive, descendants, embedded_env, embedded_migrate, free_port
from tests.support.worker import wait_for

pytestmark = pytest.mark.worker


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_it_stops_all_its_children_on_a_signal(tmp_path, signum):
    env = embedded_env(tmp_path)
    embedded_migrate(env)
    output, children = tmp_path / "demo.out", set()
    with open(output, "w") as out:
        demo = subprocess.Popen([sys.executable, "manage.py", "demo", "--sandbox-port", str(free_port()),
                                 "--web-port", str(free_port())], cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: "Running;" in output.read_text() or demo.poll() is not None, timeout=240,
                 message="the demo to finish its set-up")
        assert demo.poll() is None, output.read_text()
        children = descendants(demo.pid)
        assert len(children) >= 4, output.read_text()  # sandbox, worker, beat, web

        demo.send_signal(signum)
        assert demo.wait(timeout=60) == 0, output.read_text()
        survivors = {pid for pid in children if alive(pid)}
        assert survivors == set(), f"still running after the demo stopped: {survivors}"
    finally:
        # Never leave servers behind, even when the test failed.
        for pid in {demo.pid} | children:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        demo.wait()
