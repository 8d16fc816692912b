"""The audit of what is already on the site: every file of the media library read and scanned
for national ID numbers, however it got there, and the journaled, reversible fix.

``walk`` (list, download a few at a time, scan), ``store`` (what was read, in the ledger, so a
rerun reads only new or changed files), ``report`` (text, JSON, the committee's XLSX), ``fix``
(plan, apply, rollback, journaled like category migrations), ``masking`` (masked copies of DOCX
and XLSX files). May import ``intake``, ``ledger`` and ``wordpress``.
"""

from __future__ import annotations

from cms_bridge.audit.walk import Audit, AuditResult

__all__ = ["Audit", "AuditResult"]
