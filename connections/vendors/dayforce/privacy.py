"""Which Dayforce employee fields are personal (audit/privacy.py reads this). Leaf keys at any depth."""
SENSITIVE_FIELDS = frozenset({
    "BirthDate", "Gender", "SSN", "SocialSecurityNumber", "Ethnicity", "MaritalStatus", "PersonalEmail",
    "NationalId", "HomePhone",
    # One person's pay, on the pay-summary lines a held pay run keeps (the posted journal sums them by
    # account and cost centre, so it names nobody's pay).
    "PayAmount", "Rate",
})
PERSONAL_FIELDS = frozenset({
    "FirstName", "LastName", "MiddleName", "DisplayName", "CommonName", "ContactInformationValue", "Address1",
    "Address2", "PostalCode", "WorkEmail",
})
