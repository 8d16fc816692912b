"""Reports: the six-monthly monitoring report.

Owns counting what was published (`harvest`, from the site and the ledger), the report's
model (`model`), its renderings as XLSX/CSV/JSON (`render`) and the DOCX laid out like the
measure's form (`docx_form`). May import: `errors`, `config`, `thaidate`, `channels`,
`mappings`, `ledger`, `wordpress`. Never publishing, categories or the CLI.
"""
