"""The generic check functions of the claims register (used by the claims of several chapters).

A chapter's own checks live in its package (``imtrade.chapters.<topic>.checks``);
:func:`imtrade.claims.registered_checks` imports both (see :func:`imtrade.claims.check_modules`).
A function registers itself with ``@check("name")`` and is referenced by that name in
data/claims/*.yml.
"""
