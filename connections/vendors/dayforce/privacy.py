"""Which Dayforce employee fields are personal (audit/privacy.py reads this). Leaf keys at any depth."""
SENSITIVE_FIELDS = frozenset({
    "BirthDate", "Gender", "SSN", "SocialSecurityNumber", "Ethnicity", "MaritalStatus", "PersonalEmail",
    "NationalId", "HomePhone",
})
PERSONAL_FIELDS = frozenset({
    "FirstName", "LastName", "MiddleName", "DisplayName", "CommonName", "ContactInformationValue", "Address1",
    "Address2", "PostalCode", "WorkEmail",
})
