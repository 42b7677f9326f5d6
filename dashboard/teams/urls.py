from django.urls import path

from . import views

app_name = "teams"

# Under t/<slug:team>/: every view checks membership and role through `team_view`.
urlpatterns = [
    path("members/", views.member_list, name="members"),
    path("members/invite/", views.member_invite, name="invite"),
    path("members/<int:member>/role/", views.member_role, name="member-role"),
    path("members/<int:member>/remove/", views.member_remove, name="member-remove"),
    path(
        "invitations/<int:invitation>/revoke/",
        views.invitation_revoke,
        name="invitation-revoke",
    ),
    path("delete/", views.team_delete, name="delete"),
]

# Under invitations/: the links sent by e-mail, opened before the person is a member.
invitation_urlpatterns = (
    [path("<str:token>/", views.invitation_accept, name="accept")],
    "invitations",
)
