"""The double-entry ledger: the only code that writes postings.

Design
------
* An **account** is identified by a readable key ``kind/owner/currency`` (for example
  ``merchant_payable/mer_1a2b/SEK`` or ``fee_income//EUR``); lender-level accounts have an empty
  owner. Signs follow the debit-positive convention: a debit is ``+``, a credit is ``-``.
* A **journal entry** is a header plus two or more postings. Postings are written first and the
  header last; the database refuses the header unless the entry's postings sum to zero per
  currency, and refuses postings for an entry that already has its header. The postings' foreign key
  to the header is deferred, so a posting without its header fails at commit. The same rules run on
  SQLite and PostgreSQL as triggers, and in Python before anything is sent.
* Postings and headers are **immutable**: triggers refuse UPDATE and DELETE. A mistake is corrected
  by a reversal entry.
* Each account keeps a stored ``balance`` maintained by a trigger on posting insert, so it can be
  read in one row; :func:`paylater.ledger.service.verify` recomputes every balance from postings
  and reports any drift (``paylater ledger verify``).
"""
