"""The office desk: ``cms-bridge desk``, the web front door for clerks, directors, the committee and PR.

A Django application configured in code from cms-bridge's :class:`~cms_bridge.config.Config`
(:mod:`cms_bridge.desk.setup`). Its own SQLite file holds only accounts and sessions; requests,
endorsements, decisions and events stay in the ledger, reached only through the
:class:`~cms_bridge.bridge.Bridge`. A front door like the CLI: it may import everything.

Requires the ``desk`` extra (``pip install 'cms-bridge[desk]'``).
"""
