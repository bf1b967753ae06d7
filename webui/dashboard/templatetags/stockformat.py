"""Template filters for prices and changes: `{{ quote.price|money:quote.currency }}`."""

from django import template

from dashboard import formatting

register = template.Library()
register.filter("money", formatting.money)
register.filter("signed_money", formatting.signed_money)
register.filter("signed_percent", formatting.signed_percent)
register.filter("compact", formatting.compact_number)
register.filter("arrow", formatting.arrow)
register.filter("direction_word", formatting.direction_word)
