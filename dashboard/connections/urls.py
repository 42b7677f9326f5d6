from django.urls import path

from . import views

app_name = "connections"

urlpatterns = [
    path("", views.connection_list, name="list"),
    path("new/", views.connection_create, name="create"),
    path("test/", views.connection_test, name="test-new"),
    path("<slug:connection>/", views.connection_detail, name="detail"),
    path("<slug:connection>/edit/", views.connection_edit, name="edit"),
    path("<slug:connection>/delete/", views.connection_delete, name="delete"),
    path("<slug:connection>/access/", views.connection_access, name="access"),
    path("<slug:connection>/test/", views.connection_test, name="test"),
]
