"""Buyer protection: disputes opened by consumers, answered by merchants, decided by operators."""
