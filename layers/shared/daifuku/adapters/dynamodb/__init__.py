"""The DynamoDB table: one gateway (table.py), every item's key (keys.py), one repository per
aggregate, each holding the gateway and implementing the domain Protocols it serves."""
