"""The setup wizard's URL patterns (/admin/wizard/…), mounted on the customer admin site by mlconnector/sites.py."""
from __future__ import annotations

from django.urls import path

from wizard.views.connection import ConnectionView
from wizard.views.finish import EnableView, PreviewView
from wizard.views.start import DiscardView, StartView
from wizard.views.steps import MappingsView, ScheduleView, StreamsView


def wizard_urls(site) -> list:
    """The wizard's URL patterns, wrapped by `site.admin_view` (login, CSRF, never cached)."""

    def page(view_class, **initkwargs):
        return site.admin_view(view_class.as_view(admin_site=site, **initkwargs))

    return [
        path("wizard/", page(StartView), name="wizard_start"),
        path("wizard/<int:draft_id>/source/", page(ConnectionView, role="source"), name="wizard_source"),
        path("wizard/<int:draft_id>/destination/", page(ConnectionView, role="destination"),
             name="wizard_destination"),
        path("wizard/<int:draft_id>/streams/", page(StreamsView), name="wizard_streams"),
        path("wizard/<int:draft_id>/mappings/", page(MappingsView), name="wizard_mappings"),
        path("wizard/<int:draft_id>/schedule/", page(ScheduleView), name="wizard_schedule"),
        path("wizard/<int:draft_id>/preview/", page(PreviewView), name="wizard_preview"),
        path("wizard/<int:draft_id>/enable/", page(EnableView), name="wizard_enable"),
        path("wizard/<int:draft_id>/discard/", page(DiscardView), name="wizard_discard"),
    ]
