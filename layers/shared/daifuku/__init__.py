"""Daifuku: the shared domain, adapters and models that every Lambda function uses."""
