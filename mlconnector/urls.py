from django.urls import path
from django.views.generic import RedirectView

from mlconnector.sites import customer_site, ops_site

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", customer_site.urls),
    path("ops/", ops_site.urls),
]
