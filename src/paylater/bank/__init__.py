"""Bank money: payment references, camt.053/054 reconciliation and SEPA direct debit.

What other packages call:

* :func:`paylater.bank.references.reference_for_instalment` — the instalment's RF creditor
  reference (or Swedish OCR number), created on first use; :func:`~paylater.bank.references.
  bank_details` — the lender's IBAN, BIC and account name for a country (for e-mails, the portal).
* :func:`paylater.bank.statements.import_file` — import a camt.053, camt.054 or pain.002 file
  (CLI ``paylater bank import``, admin API ``POST /admin/v1/bank/statements``).
* :mod:`paylater.bank.service` — the unmatched queue (search, apply, return to sender) and
  :func:`~paylater.bank.service.match_reported_payment` for a consumer's "payment not registered"
  report.
* :mod:`paylater.bank.directdebit` — SEPA mandates, the pain.008 export
  (``paylater bank export-direct-debits``) and returns; :mod:`paylater.bank.pain` builds pain
  messages (reusable for pain.001 payouts).

Money flow in the ledger: an imported credit is bank clearing against suspense; applying it moves
it from suspense to the consumer's receivable (or credit, for an overpayment); returning it to the
sender moves it out of suspense and bank clearing.
"""
