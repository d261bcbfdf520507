"""Overdue debt: ageing buckets, blocking new purchases, and the collections export."""
