"""The wizard's connection steps, as the owner of tenant A against the sandboxes: a failed test shows the vendor's
words and blocks the way on, secrets are write-only, an existing connection is reused (and needs its secret again
when moved), and a connection failing later sends the draft back to its step."""
from connections.models import Connection
from tests.admin.page import find_all
from tests.wizard.conftest import WRONG_API_KEY
from wizard.models import IntegrationDraft

VISMA_SECRET = "visma-sandbox-secret"


def test_a_failed_connection_test_shows_the_vendors_message_and_blocks_the_next_step(wizard, sandbox):
    wizard.start()

    page = wizard.connect("source", "rippling", "Rippling", cred_api_key=WRONG_API_KEY).content.decode()

    assert 'id="wizard-test-result"' in page and 'data-ok="false"' in page
    assert "Rippling rejected the API key" in page
    assert 'aria-disabled="true"' in page  # Next is locked
    draft = IntegrationDraft.objects.get(pk=wizard.draft_id)
    assert draft.source.status == Connection.Status.FAILED and draft.step == IntegrationDraft.Step.SOURCE
    blocked = wizard.client.get(wizard.url("destination"))
    assert blocked.status_code == 302 and blocked["Location"] == wizard.url("source")
    assert wizard.client.get(wizard.url("preview"))["Location"] == wizard.url("source")

    # Fixing the key on the same connection opens the next step.
    fixed = wizard.connect("source", "rippling", "Rippling", connection=draft.source_id).content.decode()
    assert 'data-ok="true"' in fixed
    assert f'<a href="{wizard.url("destination")}" class="button default" id="wizard-next"' in fixed
    assert Connection.objects.filter(kind="rippling").count() == 1


def test_a_failed_visma_token_says_what_visma_said(wizard, sandbox):
    wizard.start()
    wizard.connect("source", "rippling", "Rippling")

    page = wizard.connect("destination", "visma", "Visma", cred_client_secret="not-the-secret").content.decode()

    assert 'data-ok="false"' in page and "Visma.net refused to issue a token" in page
    assert IntegrationDraft.objects.get(pk=wizard.draft_id).integration is None


def test_credentials_are_write_only(wizard, sandbox):
    wizard.start()
    wizard.connect("source", "rippling", "Rippling")
    page = wizard.connect("destination", "visma", "Visma").content.decode()

    assert VISMA_SECRET not in page
    assert "(stored)" in page  # the secret field says a value is stored, without showing it
    again = wizard.client.get(wizard.url("source")).content.decode()
    from sandbox.vendors.rippling import DEMO_API_KEY
    assert DEMO_API_KEY not in again


def test_an_existing_connection_is_reused(wizard, sandbox, tenant_a, make_sandbox_connection):
    existing = make_sandbox_connection("rippling", tenant=tenant_a, name="Our Rippling")
    wizard.start()

    page = wizard.client.get(wizard.url("source")).content.decode()
    assert "Our Rippling" in page
    response = wizard.client.post(f"{wizard.url('source')}?connection={existing.pk}",
                                  {"name": "Our Rippling", "base_url": existing.base_url, "cred_api_key": "",
                                   # the form shows the stored settings, so a browser posts them back
                                   **{f"cfg_{k}": v for k, v in existing.config.items()}})

    assert response.status_code == 302
    draft = IntegrationDraft.objects.get(pk=wizard.draft_id)
    assert draft.source == existing and Connection.objects.filter(kind="rippling").count() == 1
    existing.refresh_from_db()
    assert existing.status == Connection.Status.OK  # tested with the stored key


def test_moving_an_existing_connection_needs_its_secret_again(wizard, sandbox, tenant_a, make_sandbox_connection):
    existing = make_sandbox_connection("rippling", tenant=tenant_a, name="Our Rippling")
    wizard.start()
    moved = {"name": "Our Rippling", "base_url": "https://rest.ripplingsandboxapis.com", "cred_api_key": ""}

    refused = wizard.client.post(f"{wizard.url('source')}?connection={existing.pk}", moved)

    assert refused.status_code == 400 and "enter this secret again" in refused.content.decode()
    existing.refresh_from_db()
    assert existing.base_url == f"{sandbox.url}/rippling"


def pills(page) -> dict[str, str]:
    return {li["data-step"]: li["data-state"] for li in find_all(page) if li.tag == "li" and "data-state" in li.attrs}


def test_a_connection_failing_later_sends_the_draft_back_and_no_later_step_claims_done(mapped_wizard):
    wizard = mapped_wizard
    draft = IntegrationDraft.objects.get(pk=wizard.draft_id)
    assert draft.step == IntegrationDraft.Step.PREVIEW

    page = wizard.connect("destination", "visma", "Visma", connection=draft.destination_id,
                          cred_client_secret="not-the-secret")

    draft.refresh_from_db()
    assert draft.destination.status == Connection.Status.FAILED
    assert draft.step == IntegrationDraft.Step.DESTINATION  # not kept as if usable
    states = pills(page)
    assert states["source"] == "done" and states["destination"] == "current"
    assert all(states[s] == "locked" for s in ("streams", "mappings", "schedule", "preview", "enable")), states
    current = [li for li in find_all(page) if li.tag == "li" and li.get("aria-current")]
    assert [(li["data-step"], li["aria-current"]) for li in current] == [("destination", "step")]
    # From the source step, the failing destination says so, and nothing after it is done.
    states = pills(wizard.client.get(wizard.url("source")))
    assert states["destination"] == "failed"
    assert "done" not in {states[s] for s in ("streams", "mappings", "schedule", "preview", "enable")}
