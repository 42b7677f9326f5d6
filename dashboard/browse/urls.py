from django.urls import path

from . import views

app_name = "browse"

urlpatterns = [
    path("<slug:connection>/<slug:resource>/", views.resource_table, name="table"),
    path(
        "<slug:connection>/<slug:resource>/<str:record_id>/",
        views.record_detail,
        name="record",
    ),
]
