"""Who may create, change or delete records, where.

Three conditions, all checked on the server by every record view: the member's role
(editors and up; `team_view` refuses the rest with an audited 403), the connection (never
through a read-only one: an audited 403 too), and the resource's spec (methods it does not
allow are a 404, as for any page that does not exist). Updating and deleting start from the
record, so they also need `get`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404

from dashboard.connections.models import Connection
from dashboard.connectors.spec import Method, ResourceSpec
from dashboard.teams.models import Membership, Role

Action = Literal["create", "update", "delete"]
EDITING_ROLE = Role.EDITOR
READ_ONLY_MESSAGE = "This connection is read-only: records cannot be changed through it."
METHODS_NEEDED: dict[Action, tuple[Method, ...]] = {
    "create": ("create",),
    "update": ("get", "update"),
    "delete": ("get", "delete"),
}


def spec_allows(resource: ResourceSpec, action: Action) -> bool:
    return all(resource.allows(method) for method in METHODS_NEEDED[action])


def can_edit(
    membership: Membership, connection: Connection, resource: ResourceSpec, action: Action
) -> bool:
    """Whether to offer `action`: the role, the connection and the spec all allow it."""
    return (
        membership.has_role(EDITING_ROLE)
        and not connection.read_only
        and spec_allows(resource, action)
    )


def require_writable(connection: Connection) -> None:
    if connection.read_only:
        raise PermissionDenied(READ_ONLY_MESSAGE)


def require_spec_allows(resource: ResourceSpec, action: Action) -> None:
    if not spec_allows(resource, action):
        raise Http404(f"Records of this resource cannot be {action}d here.")


@dataclass(frozen=True)
class EditControls:
    """Which record controls a page shows."""

    create: bool
    update: bool
    delete: bool


def edit_controls(
    membership: Membership | None, connection: Connection, resource: ResourceSpec | None
) -> EditControls:
    if membership is None or resource is None:
        return EditControls(create=False, update=False, delete=False)
    return EditControls(
        create=can_edit(membership, connection, resource, "create"),
        update=can_edit(membership, connection, resource, "update"),
        delete=can_edit(membership, connection, resource, "delete"),
    )
