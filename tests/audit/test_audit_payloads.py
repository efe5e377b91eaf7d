"""An audit row's payload and digest are what the two redaction walks give, whether or not they are skipped.

`audit_fields` skips the walks when the payload's JSON text shows there is nothing to mask; these cases and the
generated ones check that it never skips a payload the walks would change (a secret-looking key, an inline
secret, a sensitive field, non-ASCII text whose case-insensitive matching has surprises).
"""
import hashlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.privacy import redact_sensitive
from audit.redaction import redact
from audit.services import audit_fields

SENSITIVE = frozenset({"date_of_birth", "ssn_last_four"})


def by_walks(payload):
    stored = redact(redact_sensitive(payload, SENSITIVE))
    return stored, hashlib.sha256(json.dumps(stored, sort_keys=True, default=str).encode()).hexdigest()


def stored(payload):
    row = audit_fields(tenant=None, action="create", outcome="ok", payload=payload, sensitive_fields=SENSITIVE)
    return row["payload"], row["payload_digest"]


@pytest.mark.parametrize("payload", [
    {"employeeCd": "1042", "contact": {"firstName": "Ursula", "email": "ursula@example.com"}, "status": "Active"},
    {"contact": {"title": "sent with Bearer abcdefgh1234"}},
    {"Password": "x", "name": "A"},
    {"nested": [{"api_key": "k"}], "n": 3},
    {"date_of_birth": "1980-01-01", "name": "A"},
    {"name": "date_of_birth"},  # a sensitive name as a value: walked, nothing masked
    {"paſsword": "hunter2"},  # "ſ" matches "s" case-insensitively: never skipped
    {"note": "paſsword=hunter2"},
    {"title": "Passenger services"},  # a key word inside a value: walked, nothing masked
    {"items": (1, 2, "token=abc")},
    {"when": b"bytes", "n": None, "f": 1.5, "ok": True},
    [],
    "plain text",
])
def test_it_stores_what_the_walks_give(payload):
    assert stored(payload) == by_walks(payload)


text = st.lists(st.sampled_from([*"abcdeknoprstw_=: ", "Bearer ", "token", "ſ", "é", "pass", "api_key",
                                  "date_of_birth"]), max_size=8).map("".join)
payloads = st.recursive(st.none() | st.booleans() | st.integers() | text,
                        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
                        max_leaves=12).filter(lambda p: p is not None)  # None: no payload at all


@settings(max_examples=300, deadline=None)
@given(payloads)
def test_it_stores_what_the_walks_give_for_any_payload(payload):
    assert stored(payload) == by_walks(payload)


words = st.lists(st.sampled_from([*"aeiknorstuy_-= ", "Pass", "word", "SECRET", "Token", "api", "Key", "authori",
                                  "sation", "zation", "Credential", "private", "signature", "Cookie", "SSN", "social",
                                  "security", "legal", "last", "four", "bank", "account", "number", "IBAN", "routing",
                                  "Bearer ", "abcdefgh12", "ſ"]), max_size=10).map("".join)


@settings(max_examples=500, deadline=None)
@given(words)
def test_a_text_the_patterns_would_touch_is_never_judged_clean(text):
    from audit.redaction import SECRET_KEY_PATTERN, may_hold_secret, redact_text

    if SECRET_KEY_PATTERN.search(text) or redact_text(text) != text:
        assert may_hold_secret(text)
