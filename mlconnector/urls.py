from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from connections.password_reset import password_reset_urls
from mlconnector.docs_pages import docs_page
from mlconnector.health import healthz
from mlconnector.sites import customer_site, ops_site
from syncs.webhooks import inbound_hook

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("healthz", healthz, name="healthz"),
    *password_reset_urls,
    path("admin/", customer_site.urls),
    path("ops/", ops_site.urls),
    path("api/", include("api.urls")),
    path("hooks/<str:token>/", inbound_hook, name="inbound-hook"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("docs/<path:name>", docs_page, name="docs-page"),
]
