"""The integration's settings page: streams are checkboxes of the flow's streams, options rows of name and
value (typed), not raw JSON; saving goes through integration_update like before."""
from django.urls import reverse

from syncs.flows import get_flow
from syncs.models import Integration
from tests.admin.page import find, find_all


def change_url(integration):
    return reverse("customer_admin:syncs_integration_change", args=[integration.pk])


def form_data(integration, **changes):
    data = {"name": integration.name, "source": integration.source_id, "destination": integration.destination_id,
            "every_minutes": integration.every_minutes or "", "cron": integration.cron,
            "options_key_0": "page_size", "options_value_0": "2", "options_key_1": "", "options_value_1": ""}
    data.update(changes)
    return data


def test_streams_and_options_are_form_controls(client, owner, integration):
    client.force_login(owner)
    page = client.get(change_url(integration))
    boxes = find_all(page, type="checkbox", name="streams")
    assert [b["value"] for b in boxes] == list(get_flow(integration.flow_kind).streams)
    assert find(page, data_test="options-table")
    assert find(page, id="id_options_key_0")["value"] == "page_size"
    assert find(page, id="id_options_value_0")["value"] == "2"
    html = page.content.decode()
    assert "Streams: []" not in html and "{&quot;page_size&quot;" not in html


def test_saving_types_the_values_and_keeps_the_chosen_streams(client, owner, integration):
    client.force_login(owner)
    first = get_flow(integration.flow_kind).streams[0]
    response = client.post(change_url(integration), form_data(
        integration, streams=[first], options_value_0="50", options_key_1="backstop_every_minutes",
        options_value_1="240"))
    assert response.status_code == 302, response.content.decode()[:2000]
    integration.refresh_from_db()
    assert integration.streams == [first]
    assert integration.options == {"page_size": 50, "backstop_every_minutes": 240}


def test_a_bad_option_is_refused_in_words(client, owner, integration):
    client.force_login(owner)
    response = client.post(change_url(integration), form_data(integration, options_key_1="backstop_every_minutes",
                                                              options_value_1="soon"))
    assert response.status_code == 200 and "whole number of minutes" in response.content.decode()
    assert Integration.objects.get(pk=integration.pk).options == {"page_size": 2}


def test_an_outsider_cannot_change_the_settings(client, outsider, integration):
    client.force_login(outsider)
    client.post(change_url(integration), form_data(integration, options_value_0="999"))
    assert Integration.objects.get(pk=integration.pk).options == {"page_size": 2}
