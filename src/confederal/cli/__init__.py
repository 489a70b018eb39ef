"""The ``confederal`` command: a thin shell over the node's services and the ledger core."""
