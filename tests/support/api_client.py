from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


def api_client(user) -> APIClient:
    """A client that authenticates as `user` with a real API token."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client
