"""Publishing: from a request's decision and window to what the site shows.

Owns the desired state at a time (`desired`), the reconciler that plans and applies the
changes (`reconciler`) and the post body rendered from a request (`post_body`). May import:
`errors`, `config`, `thaidate`, `windows`, `mappings`, `intake`, `ledger`, `wordpress`.
Never reports, categories or the CLI.
"""
