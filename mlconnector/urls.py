from django.contrib import admin
from django.urls import path

urlpatterns = [
    path("ops/", admin.site.urls),
]
