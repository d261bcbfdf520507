"""Bank money: payment references, camt.053/054 reconciliation and SEPA direct debit."""
