from django.urls import path

from . import views

app_name = "snapshots"

urlpatterns = [
    path("<slug:connection>/<slug:resource>/snapshot/", views.snapshot_panel, name="panel"),
    path("<slug:connection>/<slug:resource>/snapshot/take/", views.snapshot_take, name="take"),
    path(
        "<slug:connection>/<slug:resource>/snapshot/cancel/", views.snapshot_cancel, name="cancel"
    ),
    path("<slug:connection>/<slug:resource>/export.<str:format>", views.export_view, name="export"),
]
