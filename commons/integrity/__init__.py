"""Edit integrity: nothing silently undone, nothing counted twice.

- :mod:`.merge`: the three-way merge of texts and of form fields every edit path uses;
- :mod:`.forms`: the signed base of an edit form and the one-time submission token;
- :mod:`.submissions`: the service that makes a creation count once;
- :mod:`.names`: unique names (slugs, one pending request…) allocated under concurrency;
- :mod:`.bookkeeping`: best-effort writes on reading pages (read markers).
"""
