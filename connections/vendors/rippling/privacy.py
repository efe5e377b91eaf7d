"""Which Rippling worker/user fields are personal (audit/privacy.py reads this).

SENSITIVE_FIELDS are never stored in the audit trail: Rippling itself guards most of them behind
`workers.sensitive.personal.read` (specs/rippling CONTRACT §3: date_of_birth, gender, race,
ethnicity, citizenship); a private e-mail, termination reasons and country-specific fields (national
ids) are kept out as well. PERSONAL_FIELDS identify a person and are pseudonymised on erasure.
Names are leaf keys at any depth, so an expanded `user` or `manager` is covered too.
"""
SENSITIVE_FIELDS = frozenset({
    "date_of_birth", "gender", "race", "ethnicity", "citizenship", "personal_email", "termination_details",
    "country_fields", "identified_gender", "sexual_orientation", "pronouns",
})
PERSONAL_FIELDS = frozenset({
    "work_email", "emails", "username", "name", "formatted", "given_name", "family_name", "preferred_given_name",
    "preferred_family_name", "display_name", "phone_numbers", "addresses", "photos", "title",
})
