"""Staff pages: the merchant portal and the lender's back office."""
