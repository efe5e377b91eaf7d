"""Power BI push-dataset rows are finance data (invoices, payments): no personal fields are declared."""
SENSITIVE_FIELDS: frozenset[str] = frozenset()
PERSONAL_FIELDS: frozenset[str] = frozenset()
