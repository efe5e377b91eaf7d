"""The Visma sandbox's data generator and persistence: a hundred thousand employees, the same records from the
same seed, and its state across a restart."""
import base64
import json

from sandbox.core import Clock, RequestLog
from sandbox.vendors.visma import VismaSandbox
from tests.support.visma_api import api, new_employee, visma  # noqa: F401  (api, visma: fixtures)


def test_it_seeds_a_hundred_thousand_employees(api, visma):
    # How fast is a benchmark's business (benchmarks/), not a timed unit test's: this checks the result.
    visma.seed(employees=100_000)

    assert api.get("v1/employee/101000").json()["employeeId"] == 101000
    last_page = api.get("v1/employee", pageNumber=100, pageSize=1000).json()
    assert len(last_page) == 1000 and last_page[0]["metadata"]["totalCount"] == 100_000


def test_it_seeds_the_same_records_from_the_same_seed(visma):
    visma.seed(employees=40, seed=11)
    once = visma.dump_state()["data"]["tables"]["employees"]
    visma.seed(employees=40, customers=99, seed=11)  # more customers do not change the employees
    again = visma.dump_state()["data"]["tables"]["employees"]
    visma.seed(employees=40, seed=12)
    other = visma.dump_state()["data"]["tables"]["employees"]

    strip = [{k: v for k, v in e.items() if k != "timeStamp"} for e in once]
    assert strip == [{k: v for k, v in e.items() if k != "timeStamp"} for e in again]
    assert strip != [{k: v for k, v in e.items() if k != "timeStamp"} for e in other]


def test_it_dumps_and_restores_its_state_across_a_restart(api, visma):
    api.post("v1/employee", new_employee())
    visma.subscribe("http://127.0.0.1:9/hooks", ["*"], "k")

    state = json.loads(json.dumps(visma.dump_state()))  # what the runner writes to disk
    restarted = VismaSandbox(Clock(), RequestLog())
    restarted.load_state(state)

    assert restarted.record("employee", "5001") == visma.record("employee", "5001")
    assert restarted.data.render_segment("SUBACCOUNT", restarted.data.segment("SUBACCOUNT", 2)) == \
        visma.data.render_segment("SUBACCOUNT", visma.data.segment("SUBACCOUNT", 2))
    assert [(s["url"], s["secret"]) for s in restarted.webhook_subscriptions] == [("http://127.0.0.1:9/hooks", "k")]
    def version(stamp):
        return int.from_bytes(base64.b64decode(stamp), "big")

    assert version(restarted.data.row_version()) > version(visma.record("employee", "5001")["timeStamp"])
    assert restarted.data.next("batch_number") == 13  # numbering continues, no reused keys
