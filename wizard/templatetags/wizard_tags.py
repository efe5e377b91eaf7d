from django import template
from django.urls import reverse

from connections.selectors import tenant_ids_for_user

register = template.Library()


@register.simple_tag(takes_context=True)
def wizard_start_url(context) -> str:
    """The wizard's first page, for links on the customer site; '' where the user may not use it (viewers,
    the operators' site)."""
    from mlconnector.sites import customer_site

    request = context.get("request")
    if request is None or getattr(request.resolver_match, "namespace", "") != customer_site.name:
        return ""
    if not tenant_ids_for_user(user=request.user, managing=True):
        return ""
    return reverse(f"{customer_site.name}:wizard_start")
