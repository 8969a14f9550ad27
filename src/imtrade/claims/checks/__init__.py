"""Check functions of the claims register, one module per chapter plus generic ones.

Every module here is imported by :func:`imtrade.claims.registered_checks`; a function
registers itself with ``@check("name")`` and is referenced by that name in data/claims/*.yml.
"""
