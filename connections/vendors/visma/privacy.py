"""Which Visma.net fields are personal (audit/privacy.py reads this).

The employee contact (EmployeeDto.contact) is what the Rippling flow writes; SENSITIVE_FIELDS are the
ones no flow should need in the audit trail (birth date, national id, bank details), PERSONAL_FIELDS
are pseudonymised on erasure. Leaf keys at any depth.
"""
SENSITIVE_FIELDS = frozenset({
    "birthDate", "dateOfBirth", "gender", "socialSecurityNumber", "personalIdentificationNumber",
    "bankAccountNumber", "corporateId",
})
PERSONAL_FIELDS = frozenset({
    "firstName", "lastName", "midName", "middleName", "displayName", "email", "phone1", "phone2", "fax",
    "addressLine1", "addressLine2", "addressLine3", "postalCode", "attention", "title",
})
