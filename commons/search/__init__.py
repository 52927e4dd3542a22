"""Full-text search: French analysis and the embedded Whoosh backend."""
