"""Who belongs to a tenant, with which role. Only usernames: colleagues' addresses are not listed."""
from rest_framework import serializers

from connections.models import Membership


class MembershipOutput(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField(source="user.username")
    role = serializers.ChoiceField(choices=Membership.Role.choices)
    created_at = serializers.DateTimeField()


class MembershipRoleInput(serializers.Serializer):
    role = serializers.ChoiceField(choices=Membership.Role.choices,
                                   help_text="Only an owner can grant or change the owner role.")
