"""API tokens that expire: DRF's TokenAuthentication, refusing a token older than API_TOKEN_TTL_DAYS."""
from __future__ import annotations

from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from connections.signup import auth_token_expires_at, auth_token_expired


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if auth_token_expired(token=token):
            raise AuthenticationFailed(
                f"This API token expired on {auth_token_expires_at(token=token):%Y-%m-%d %H:%M} UTC. "
                "Get a new one: POST your username and password to /api/v1/auth/token.")
        return user, token
