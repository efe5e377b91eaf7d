"""Sign-up, e-mail verification, API tokens and the caller's tenants."""
from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from api.pagination import Pagination
from api.serializers.accounts import (
    SignupInput,
    SignupOutput,
    TenantOutput,
    TokenInput,
    TokenOutput,
    VerifyInput,
    VerifyOutput,
)
from api.throttles import ScopedThrottle
from connections.selectors import memberships_for_user
from connections.signup import (
    LoginRefused,
    SignupEmailFailed,
    SignupError,
    auth_token_expires_at,
    auth_token_obtain,
    auth_token_revoke,
    auth_token_rotate,
    signup_create,
    signup_verify,
)

TAGS = ["accounts"]


class EmailUnavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "email_unavailable"


class AnonymousAPIView(APIView):
    # No authentication at all: a stale session must not bring CSRF checks to a public endpoint.
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedThrottle]


class SignupView(AnonymousAPIView):
    throttle_scope = "signup"

    @extend_schema(operation_id="signup", tags=TAGS, request=SignupInput, responses={201: SignupOutput},
                   summary="Create an account and its company; a confirmation token is e-mailed")
    def post(self, request):
        data = SignupInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            signup = signup_create(**data.validated_data,
                                   verify_url=request.build_absolute_uri(reverse("api:signup-verify")))
        except SignupEmailFailed as error:
            raise EmailUnavailable(str(error)) from None
        return Response(SignupOutput({
            "username": signup.user.username, "email": signup.user.email, "tenant": signup.tenant.slug,
            "detail": "Check your e-mail for the confirmation token, then POST it to /api/v1/signup/verify.",
        }).data, status=status.HTTP_201_CREATED)


class SignupVerifyView(AnonymousAPIView):
    throttle_scope = "auth"

    @extend_schema(operation_id="signup_verify", tags=TAGS, request=VerifyInput, responses={200: VerifyOutput},
                   summary="Confirm the e-mail address with the token from the sign-up e-mail")
    def post(self, request):
        data = VerifyInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            user = signup_verify(**data.validated_data)
        except SignupError as error:
            raise ValidationError({"token": [str(error)]}) from None
        return Response(VerifyOutput(user).data)


class AuthTokenView(AnonymousAPIView):
    throttle_scope = "auth"

    @extend_schema(operation_id="auth_token", tags=TAGS, request=TokenInput, responses={200: TokenOutput},
                   summary="Exchange username and password for an API token")
    def post(self, request):
        data = TokenInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            token = auth_token_obtain(**data.validated_data, request=request)
        except LoginRefused as error:
            # As DRF's own obtain_auth_token answers: 400 with the reason.
            raise ValidationError({"non_field_errors": [str(error)]}, code="authorization") from None
        return Response(token_output(token))


def token_output(token) -> dict:
    return TokenOutput({"token": token.key, "expires_at": auth_token_expires_at(token=token)}).data


class AuthTokenRotateView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="auth_token_rotate", tags=TAGS, request=None, responses={200: TokenOutput},
                   summary="Replace your API token with a new one; the old one is refused from now on")
    def post(self, request):
        return Response(token_output(auth_token_rotate(user=request.user)))


class AuthTokenRevokeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="auth_token_revoke", tags=TAGS, request=None, responses={204: None},
                   summary="Revoke your API token (log out of the API everywhere)")
    def post(self, request):
        auth_token_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TenantListView(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = Pagination

    @extend_schema(operation_id="tenants_list", tags=TAGS, responses=TenantOutput(many=True),
                   summary="The tenants you belong to, with your role in each")
    def get(self, request):
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(memberships_for_user(user=request.user), request, view=self)
        return paginator.get_paginated_response(TenantOutput(page, many=True).data)
