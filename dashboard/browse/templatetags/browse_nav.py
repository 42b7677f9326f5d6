"""Navigation for the sidebar: a connection's resources, without decrypting anything."""

from django import template

from dashboard.browse.selectors import MenuResource, resource_menu
from dashboard.connections.models import Connection

register = template.Library()


@register.simple_tag
def connection_resources(connection: Connection) -> tuple[MenuResource, ...]:
    return resource_menu(connection)
