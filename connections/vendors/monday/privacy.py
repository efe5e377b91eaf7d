"""monday.com items carry invoices and purchase orders; the people on them are named in column values."""
SENSITIVE_FIELDS: frozenset[str] = frozenset()
PERSONAL_FIELDS = frozenset({"email", "phone", "people", "person"})
