"""`{% once [value ...] %}...{% endonce %}`: a fragment rendered once per process for each set
of values.

The page frame (static links, top bar) depends on nothing a request changes, yet every page
rendered it again, `{% static %}` and `{% url %}` lookups included; Django's `{% cache %}` does
the same job through the cache framework at twice the cost of the fragment it saves. A fragment
must depend only on the values it names and on what is fixed for a process's life (settings,
URLs, the static files' manifest)."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.base import FilterExpression, NodeList, Parser, Token

register = template.Library()

# Sets of values kept per fragment; past that, a fragment is rendered for every request (never
# an old one shown).
FRAGMENT_VALUES_KEPT = 16


class OnceNode(template.Node):
    def __init__(self, nodelist: NodeList, values: list[FilterExpression]) -> None:
        self.nodelist = nodelist
        self.values = values
        # Lives with the compiled template, which the cached template loader keeps per process.
        self.rendered: dict[tuple[Any, ...], str] = {}

    def render(self, context: template.Context) -> str:
        key = tuple(value.resolve(context) for value in self.values)
        html = self.rendered.get(key)
        if html is None:
            html = self.nodelist.render(context)
            if len(self.rendered) < FRAGMENT_VALUES_KEPT:
                self.rendered[key] = html
        return html


@register.tag
def once(parser: Parser, token: Token) -> OnceNode:
    values = [parser.compile_filter(bit) for bit in token.split_contents()[1:]]
    nodelist = parser.parse(("endonce",))
    parser.delete_first_token()
    return OnceNode(nodelist, values)
