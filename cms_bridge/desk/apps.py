"""The desk as a Django application (label ``desk``)."""

from __future__ import annotations

from django.apps import AppConfig


class DeskConfig(AppConfig):
    """Registers the desk's models, templates and migrations."""

    name = "cms_bridge.desk"
    label = "desk"
    verbose_name = "cms-bridge desk"
    default_auto_field = "django.db.models.AutoField"
