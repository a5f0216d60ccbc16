"""The CDK app of Daifuku: `python -m infra.app`, one construct per concern in infra/constructs/."""
