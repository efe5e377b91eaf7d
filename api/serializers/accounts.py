"""Sign-up, e-mail verification, API tokens and the caller's tenants."""
from __future__ import annotations

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from connections.models import Membership
from connections.selectors import user_email_taken, username_taken


class SignupInput(serializers.Serializer):
    username = serializers.CharField(max_length=150, validators=[UnicodeUsernameValidator()])
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False,
                                     style={"input_type": "password"})
    company_name = serializers.CharField(max_length=200, help_text="Your company; it becomes your tenant.")

    def validate_username(self, value):
        if username_taken(username=value):
            raise serializers.ValidationError("This username is taken.")
        return value

    def validate_email(self, value):
        if user_email_taken(email=value):
            raise serializers.ValidationError("An account with this e-mail address exists already.")
        return value

    def validate(self, attrs):
        # The similarity validator compares the password with the user's own name and address.
        candidate = get_user_model()(username=attrs["username"], email=attrs["email"])
        try:
            password_validation.validate_password(attrs["password"], user=candidate)
        except DjangoValidationError as error:
            raise serializers.ValidationError({"password": list(error.messages)}) from None
        return attrs


class SignupOutput(serializers.Serializer):
    username = serializers.CharField()
    email = serializers.EmailField()
    tenant = serializers.SlugField(help_text="The new tenant's slug, used in every tenant URL.")
    detail = serializers.CharField()


class VerifyInput(serializers.Serializer):
    token = serializers.CharField(max_length=500, help_text="The token from the sign-up e-mail.")


class VerifyOutput(serializers.Serializer):
    username = serializers.CharField()
    is_active = serializers.BooleanField()


class TokenInput(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False,
                                     style={"input_type": "password"})


class TokenOutput(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`.")
    expires_at = serializers.DateTimeField(help_text="After this the token is refused (API_TOKEN_TTL_DAYS).")


class TenantOutput(serializers.Serializer):
    slug = serializers.SlugField(source="tenant.slug")
    name = serializers.CharField(source="tenant.name")
    role = serializers.ChoiceField(choices=Membership.Role.choices)
