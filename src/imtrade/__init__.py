"""imtrade: the data layer and book pipeline behind *Intelligent Manufacturing and Global Trade*.

The public, stable names live in :mod:`imtrade.api`; everything else is internal.
"""

__version__ = "0.1.0"
