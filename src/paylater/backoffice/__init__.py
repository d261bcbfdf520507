"""Staff pages: the merchant portal (``/merchant``) and the lender's back office (``/backoffice``).

Server-rendered (Jinja2, no script); every action calls the domain service the API uses, in one
transaction. Accounts, sessions and CSRF: :mod:`.accounts`, :mod:`.pages`. Merchant pages:
:mod:`.merchant_pages` (orders, statistics), :mod:`.merchant_settings` (credentials, webhooks,
users, payouts, disputes). Back office: :mod:`.operator_pages`, each action audited through
:mod:`.audit`. Operators are created with ``paylater backoffice create-operator``; a merchant's
first user with ``paylater backoffice invite-merchant-user``.
"""
