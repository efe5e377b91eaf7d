"""Clicking "Connect <vendor>" in the customer admin with Django's test client, and letting the sandbox's account
admin approve over real HTTP (the sandbox redirects straight back with a code)."""
from urllib.parse import urlsplit

import requests
from django.urls import reverse


def connect(client, connection):
    """POST the connect button, follow the sandbox's approval, land on our callback; returns the callback's answer."""
    answer = client.post(reverse("customer_admin:connections_connection_connect", args=[connection.pk]))
    assert answer.status_code == 302, answer
    approved = requests.get(answer["Location"], allow_redirects=False, timeout=5)
    assert approved.status_code == 302, approved.text
    back = urlsplit(approved.headers["Location"])
    return client.get(f"{back.path}?{back.query}")
