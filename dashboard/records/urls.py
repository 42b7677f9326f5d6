from django.urls import path

from . import views

app_name = "records"

# Under t/<slug:team>/c/, before browse's URLs: `new/` is not a record id there.
urlpatterns = [
    path("<slug:connection>/<slug:resource>/new/", views.record_create, name="create"),
    path(
        "<slug:connection>/<slug:resource>/<str:record_id>/edit/",
        views.record_edit,
        name="edit",
    ),
    path(
        "<slug:connection>/<slug:resource>/<str:record_id>/delete/",
        views.record_delete,
        name="delete",
    ),
]
