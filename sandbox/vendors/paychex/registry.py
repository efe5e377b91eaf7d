"""The Paychex sandbox's hook registry endpoints: /management/domains and /management/hooks (docs/vendors/paychex.md
§8). The hooks themselves and their deliveries live in `hooks.HookDispatcher`."""
from __future__ import annotations

from werkzeug.wrappers import Request, Response

from sandbox.core import json_response
from sandbox.vendors.paychex.contract import AUTH_TYPES, PARTNER_DOMAINS, UNCONFIRMED


class HookRegistryMixin:
    def list_domains(self, request: Request) -> Response:
        _, media_type, denied = self.begin(request)
        if denied is not None:
            return denied
        return self.represent(list(PARTNER_DOMAINS), media_type)

    def hooks(self, request: Request) -> Response:
        client_id, app, denied = self.authorize(request)
        if denied is not None:
            return denied
        if request.method == "GET":  # a plain JSON array, no envelope (SPEC WEBHOOKS_GET)
            return json_response([self.dispatcher.public(h) for h in self.dispatcher.hooks_of(client_id)])
        body = self.body_json(request)
        auth = body.get("authentication") if isinstance(body, dict) else None
        if not isinstance(body, dict) or not body.get("uri") or not body.get("domains") or not isinstance(
                auth, dict) or auth.get("authType") not in AUTH_TYPES:
            return self.paychex_error(400, "API-46")
        if not set(body["domains"]) <= set(PARTNER_DOMAINS):
            return self.paychex_error(*UNCONFIRMED["hook_unknown_domain"])
        company_id = body.get("companyId") or None
        if company_id is not None and company_id not in app.company_ids:
            return self.paychex_error(*UNCONFIRMED["hook_unlinked_company"])
        hook = self.dispatcher.register(client_id=client_id, uri=body["uri"], domains=body["domains"],
                                        authentication=auth, company_id=company_id)
        return json_response(self.dispatcher.public(hook), 201)

    def hook(self, request: Request, hook_id: str) -> Response:
        client_id, _, denied = self.authorize(request)
        if denied is not None:
            return denied
        hook = self.dispatcher.hooks.get(hook_id)
        if hook is None or hook["_client_id"] != client_id:
            return self.paychex_error(404, "API-7")
        if request.method == "DELETE":
            self.dispatcher.delete(hook_id)
            return Response(status=204)
        return json_response(self.dispatcher.public(hook))
