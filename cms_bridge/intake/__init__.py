"""Intake: how a request gets in.

Owns the request model (`request`), reading an inbox of TOML files and CSV/XLSX exports
(`inbox`, `tables`), inspecting attachments (`attachments`) and the national-ID guard
(`idguard`). May import: `errors`, `config`, `thaidate`, `windows`, `channels`, `mappings`,
`messages`, `i18n`. Never the ledger, publishing, the site adapters or the CLI.
"""
