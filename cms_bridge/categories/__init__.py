"""Categories: comparing the site with `mappings/`, and one-off category migrations.

Owns `mappings check/apply` (`mappings_check`), migration plans and planning by simulation
(`plan`), the journaled apply/rollback engine (`engine`) and its journal in the ledger
(`journal`). May import: `errors`, `config`, `thaidate`, `mappings`, `ledger`, `wordpress`.
Never intake, publishing, reports or the CLI.
"""
