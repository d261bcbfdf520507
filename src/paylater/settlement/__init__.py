"""Merchant settlement: fees, payable balances, payout runs and reports."""
