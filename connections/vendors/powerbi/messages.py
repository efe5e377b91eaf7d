"""The Power BI and Entra ID error bodies as one line of text for people (docs/vendors/powerbi.md §1, §6)."""
from __future__ import annotations


def power_bi_error_text(error: dict) -> str:
    """'Code: message (detail; detail)' from the Power BI envelope; its top message alone is often just
    'Bad Request' and the useful part is in details[] (docs/vendors/powerbi.md §6)."""
    code = error.get("code") or ""
    message = error.get("message") or ""
    text = f"{code}: {message}" if code and message else (code or message)
    details = [d.get("message") for d in error.get("details") or [] if isinstance(d, dict) and d.get("message")]
    if details:
        text += f" ({'; '.join(details[:3])})"
    return text[:500]


def entra_error_text(error: str, description: object) -> str:
    """'invalid_client: AADSTS7000215: …' without the Trace ID / Correlation ID / Timestamp lines Entra appends."""
    first_line = str(description or "").splitlines()[0].strip() if description else ""
    return f"{error}: {first_line}"[:500] if first_line else error
