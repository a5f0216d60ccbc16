"""`daifuku`: the operator's command line (deploy, setup, poster, export, import, dlq)."""
