"""`manage.py demo` stops every child it started (sandbox, worker, beat, web) on SIGTERM, as on Ctrl-C."""
import re
import signal

import pytest

from tests.support.embedded import alive, demo_process
from tests.support.worker import wait_for

pytestmark = pytest.mark.worker


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_it_stops_all_its_children_on_a_signal(tmp_path, signum):
    with demo_process(tmp_path) as demo:
        # Signalled while it sets the demo tenant up, with all four children running (sandbox, worker, beat, web).
        children = wait_for(lambda: "Demo tenant:" in demo.output.read_text() and len(demo.children()) >= 4
                            and demo.children(), timeout=120, message="the demo to start its children")

        demo.process.send_signal(signum)
        assert demo.process.wait(timeout=60) == 0, demo.output.read_text()
        assert {pid for pid in children if alive(pid)} == set(), "still running after the demo stopped"


def test_its_summary_shows_a_webhook_driven_change_reaching_visma(tmp_path):
    with demo_process(tmp_path) as demo:
        demo.wait_ready()
        output = demo.output.read_text()

    assert "received employee.updated for" in output and "— processed" in output
    assert "(webhook): read 1, created 0, updated 1" in output
    assert "Visma now has e-mail ada.webhook@example.com for that employee" in output
    # Dayforce → Visma: what moved, and one posted journal whose debits equal its credits.
    assert "Visma employees written: 12, cost-centre values (org units): 13, journal transactions: 10" in output
    posted = re.search(r"journal \d+ for pay run NO-MONTHLY:2026-11-25: debit ([\d,.]+) = credit ([\d,.]+) NOK", output)
    assert posted and posted.group(1) == posted.group(2), output[-3000:]
