"""The Paychex sandbox's own control route (not a Paychex API): a sandbox in another process is told to change
a worker over HTTP, and the change is served and notified like one made in Python."""
import requests

from sandbox.vendors.paychex import DEMO_COMPANY_ID


def control(sandbox, action, **arguments):
    return requests.post(f"{sandbox.url}/paychex/_control/{action}", json=arguments, timeout=5)


def test_it_lists_workers_and_moves_one_to_another_organization(sandbox):
    paychex = sandbox.app["paychex"]
    worker_ids = control(sandbox, "worker_ids").json()
    assert worker_ids == sorted(paychex.company_data[DEMO_COMPANY_ID]["workers"])

    moved = control(sandbox, "org_move", worker_id=worker_ids[0], organization_id="850002407928095")

    assert moved.status_code == 200
    assert moved.json()["organization"]["name"] == "Operations"
    assert paychex.workers[worker_ids[0]]["organization"]["organizationId"] == "850002407928095"


def test_it_answers_an_unknown_action_or_worker_with_404_and_bad_arguments_with_400(sandbox):
    assert control(sandbox, "explode").status_code == 404
    assert control(sandbox, "terminate", worker_id="nobody").status_code == 404
    assert control(sandbox, "org_move", worker="x").status_code == 400
