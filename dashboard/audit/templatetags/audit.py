"""The audit trail on other apps' pages: a record's history and the link to the team page."""

from __future__ import annotations

from typing import Any

from django import template

from dashboard.teams.models import Membership

from .. import permissions
from ..selectors import AuditRow, record_history

register = template.Library()


@register.simple_tag(takes_context=True)
def record_audit_rows(context: template.Context) -> list[AuditRow] | None:
    """The history of the record a page shows (its `connection`, `resource_name` and
    `record_id`); None outside a record page."""
    connection: Any = context.get("connection")
    resource, record_id = context.get("resource_name"), context.get("record_id")
    if connection is None or not resource or not record_id:
        return None
    return record_history(connection=connection, resource=resource, record_id=record_id)


@register.simple_tag
def may_view_audit(membership: Membership | None) -> bool:
    return permissions.may_view_audit(membership)
