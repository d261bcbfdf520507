"""Payment plans: schedules, financing terms, APR and the refund/payment waterfalls.

This package is pure: no database, no clock and no I/O, so every rule can be checked with exact
numbers and property tests. Amounts are integer minor units; rates are ``Decimal`` and each
rounded value is rounded once, half-even, with :func:`paylater.kit.money.round_minor`.

Rules:

- **Split**: integer division, the remainder goes to the first instalment
  (:func:`paylater.kit.money.split`).
- **Due dates**: nominal dates are counted from the capture date (pay now: the capture date; pay
  later: +30 days; pay in 3: +30·k; pay in 4: +14·k; financing: the capture's day of month, k months
  later, capped at month end). Each nominal date is moved forward to a business day (Mon–Fri, not a
  public holiday of the consumer's country) on its own, so moves never accumulate.
- **Financing**: an annuity at the nominal rate / 12, interest rounded every month, the last month
  clearing the balance; the APR follows the EU consumer-credit directive's annex formula.
- **Refund waterfall**: a refund first lowers the unpaid part of the last instalment, then the one
  before; once nothing is owed it lowers paid amounts from the last backwards and that part is paid
  back to the consumer. Payments fill the earliest unpaid instalment first; any excess is credit.

Modules: :mod:`.calendar` (business days), :mod:`.schedule` (plans and financing terms),
:mod:`.apr` (annual percentage rate), :mod:`.allocation` (waterfalls).
"""
