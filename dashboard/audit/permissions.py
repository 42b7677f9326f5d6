"""Who may read the team's audit trail: admins and owners (it names every member's actions,
sign-in denials included). A record's own history is shown to whoever may see the record."""

from __future__ import annotations

from dashboard.teams.models import Membership, Role

AUDIT_ROLE = Role.ADMIN


def may_view_audit(membership: Membership | None) -> bool:
    return membership is not None and membership.has_role(AUDIT_ROLE)
