"""Template filters: dates the Thai way (Buddhist Era, Bangkok time)."""

from __future__ import annotations

from datetime import date, datetime

from django import template

from cms_bridge.thaidate import OFFICE_TZ, format_thai_date

register = template.Library()


@register.filter
def thai_date(value: date | datetime | None) -> str:
    """``3 ธันวาคม 2569`` (a datetime as its Bangkok day)."""
    if value is None:
        return "—"
    return format_thai_date(value)


@register.filter
def thai_time(value: datetime | None) -> str:
    """``3 ธ.ค. 2569 20:04`` in Bangkok time."""
    if value is None:
        return "—"
    local = value.astimezone(OFFICE_TZ)
    return f"{format_thai_date(local, month='abbr')} {local:%H:%M}"
