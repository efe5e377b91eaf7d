"""The sandbox command keeps Visma's data across restarts, and --reset starts from the seed."""
import signal
import subprocess
import sys
import time

import requests

from tests.support.embedded import ROOT, free_port


def start(port, state, *extra):
    process = subprocess.Popen([sys.executable, "manage.py", "sandbox", "--port", str(port), "--state", str(state),
                                *extra], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for _ in range(100):
        try:
            requests.get(f"http://127.0.0.1:{port}/_sandbox/health", timeout=1)
            return process
        except requests.ConnectionError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError(process.stderr.read().decode())


def stop(process):
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=20)


def token(base):
    from sandbox.vendors.visma import DEMO_CREDENTIALS

    body = {"grant_type": "client_credentials", **DEMO_CREDENTIALS, "scope": "vismanet_erp_service_api:read"}
    return requests.post(f"{base}/visma-connect/connect/token", data=body, timeout=5).json()["access_token"]


def customer_names(base):
    headers = {"Authorization": f"Bearer {token(base)}"}
    rows = requests.get(f"{base}/visma/v1/customer", params={"pageNumber": 1, "pageSize": 1000}, headers=headers,
                        timeout=5).json()
    return {row["number"]: row["name"] for row in rows}, headers


def test_visma_data_survives_a_restart_and_reset_drops_it(tmp_path):
    state, port = tmp_path / "state.json", free_port()
    base = f"http://127.0.0.1:{port}"
    process = start(port, state)
    try:
        names, headers = customer_names(base)
        number = sorted(names)[0]
        answer = requests.put(f"{base}/visma/v1/customer/{number}", json={"name": {"value": "Kept Across Restarts AS"}},
                              headers=headers, timeout=5)
        assert answer.status_code == 204
    finally:
        stop(process)
    assert state.exists()

    process = start(port, state)
    try:
        assert customer_names(base)[0][number] == "Kept Across Restarts AS"
    finally:
        stop(process)

    process = start(port, state, "--reset")
    try:
        assert customer_names(base)[0][number] == names[number]
    finally:
        stop(process)


def test_latency_and_faults_are_set_from_the_command_line_and_over_http(tmp_path):
    port = free_port()
    process = start(port, tmp_path / "state.json", "--latency-ms", "200")
    base = f"http://127.0.0.1:{port}"
    try:
        started = time.monotonic()
        requests.get(f"{base}/rippling/workers/", timeout=5)
        assert time.monotonic() - started >= 0.2

        response = requests.post(f"{base}/_sandbox/faults", timeout=5,
                                 json={"rippling": {"latency_ms": 0, "error_ratio": 1.0}})
        assert response.json()["rippling"]["error_ratio"] == 1.0
        started = time.monotonic()
        assert requests.get(f"{base}/rippling/workers/", timeout=5).status_code == 503
        assert time.monotonic() - started < 0.2
    finally:
        stop(process)


def monday(base, query, variables=None):
    from sandbox.vendors.monday import DEMO_TOKEN

    return requests.post(f"{base}/monday/v2", json={"query": query, "variables": variables or {}}, timeout=5,
                         headers={"Authorization": DEMO_TOKEN}).json()["data"]


def test_monday_boards_items_and_webhooks_survive_a_restart(tmp_path):
    state, port = tmp_path / "state.json", free_port()
    base = f"http://127.0.0.1:{port}"
    process = start(port, state)
    try:
        board = monday(base, 'mutation { create_board(board_name: "Kept", board_kind: public) { id } }')["create_board"]
        monday(base, 'mutation ($b: ID!) { create_item(board_id: $b, item_name: "Invoice 1") { id } }',
               {"b": board["id"]})
    finally:
        stop(process)

    process = start(port, state)
    try:
        read = monday(base, "query ($b: [ID!]) { boards(ids: $b) { name items_page { items { name } } } }",
                      {"b": [board["id"]]})
        second = monday(base, 'mutation { create_board(board_name: "Next", board_kind: public) { id } }')
    finally:
        stop(process)

    assert read["boards"] == [{"name": "Kept", "items_page": {"items": [{"name": "Invoice 1"}]}}]
    assert int(second["create_board"]["id"]) == int(board["id"]) + 1  # ids go on, never reused
