from django.contrib import admin
from django.urls import include, path

from dashboard.core.views import healthz, home
from dashboard.teams.urls import invitation_urlpatterns

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("accounts/", include("dashboard.accounts.urls")),
    path("invitations/", include(invitation_urlpatterns)),
    path("t/<slug:team>/", include("dashboard.teams.urls")),
    path("t/<slug:team>/connections/", include("dashboard.connections.urls")),
    path("t/<slug:team>/audit/", include("dashboard.audit.urls")),
    path("t/<slug:team>/collections/", include("dashboard.snapshots.urls")),
    path("t/<slug:team>/c/", include("dashboard.records.urls")),
    path("t/<slug:team>/c/", include("dashboard.browse.urls")),
    path("admin/", admin.site.urls),
]
