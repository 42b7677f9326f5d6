from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from dashboard.core.views import home

urlpatterns = [
    path("", home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("t/<slug:team>/connections/", include("dashboard.connections.urls")),
    path("admin/", admin.site.urls),
]
