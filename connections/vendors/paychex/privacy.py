"""Which Paychex worker fields are personal (audit/privacy.py reads this). Leaf keys at any depth."""
SENSITIVE_FIELDS = frozenset({
    "birthDate", "sex", "gender", "ethnicityCode", "legalId", "legalIdValue", "maritalStatus",
})
PERSONAL_FIELDS = frozenset({
    "givenName", "familyName", "middleName", "preferredName", "name", "email", "emailAddress", "phone",
    "streetLineOne", "streetLineTwo", "postalCode",
})
