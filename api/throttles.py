"""Throttles for the anonymous endpoints (sign-up, verification, token)."""
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle


class ScopedThrottle(ScopedRateThrottle):
    """ScopedRateThrottle that reads the rates when asked, not once at import,
    so a changed REST_FRAMEWORK setting (a test's override_settings) takes effect."""

    @property
    def THROTTLE_RATES(self):  # noqa: N802 - the name DRF looks up
        return api_settings.DEFAULT_THROTTLE_RATES
