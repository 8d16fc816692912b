"""The ledger: the bridge's memory (SQLite).

Owns the store of requests and their versions, decisions, publications and the append-only
event log (`store`), and its schema steps recorded in a table (`schema`). May import: `errors`,
`config`, `thaidate`, `windows`, `channels`, `intake`. Never publishing, the site adapters or the CLI.
"""
