"""Inline secrets are masked whatever their case; the cheap first look never lets one through."""
import pytest

from audit.redaction import INLINE_PATTERNS, MASK, redact, redact_text


def _by_patterns(text: str) -> str:
    for pattern in INLINE_PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + MASK, text)
    return text


@pytest.mark.parametrize("text", [
    "Authorization: BEARER abcdefgh12345", "PassWord=hunter2&x=1", "CLIENT_SECRET: 's3cr3t'", "apiKey=abc",
    "Access_Token=xyz", "refresh_token: abc", "ursula.holm@example.com", "Senior Engineer", "",
    "paſsword=hunter2",  # non-ASCII: "ſ" matches "s" case-insensitively, so the patterns must see it
    "Bearer ａｂｃｄｅｆｇｈｉ", "token", "TOKEN=1",
])
def test_it_masks_exactly_what_the_patterns_mask(text):
    assert redact_text(text) == _by_patterns(text)


def test_it_masks_secret_keys_and_inline_secrets_in_payloads():
    payload = {"Password": "x", "note": "sent with Bearer abcdefgh1234", "nested": [{"api_key": "k"}], "name": "A"}
    assert redact(payload) == {"Password": MASK, "note": f"sent with Bearer {MASK}", "nested": [{"api_key": MASK}],
                               "name": "A"}
