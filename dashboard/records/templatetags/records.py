"""Record controls on browse's pages, offered only where `can_edit` allows them."""

from __future__ import annotations

from django import template

from ..permissions import EditControls, edit_controls

register = template.Library()


@register.simple_tag(takes_context=True)
def record_edit_controls(context: template.Context) -> EditControls:
    """What the current member may do to the page's resource (`current_membership`,
    `connection` and `resource` from the page's context)."""
    return edit_controls(
        context.get("current_membership"), context["connection"], context.get("resource")
    )
