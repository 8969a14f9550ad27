"""``imtrade batch``: run chapters for many parameter sets (a spec), locally or on a Dask cluster.

- :mod:`imtrade.batch.spec`: the YAML spec, validated with line numbers, grids expanded,
  output names built from the parameters.
- :mod:`imtrade.batch.run`: the same cache keys and executor as ``imtrade build``; a local
  process pool by default, an existing Dask distributed scheduler with ``--scheduler``.
- :mod:`imtrade.batch.site`: the executed runs of a spec with a ``site`` section become a part
  of the book (an index page with a sortable table, one page per run).
"""

from imtrade.batch.run import BatchReport, execute_run, run_batch, summary_lines
from imtrade.batch.spec import BatchSpec, RunSpec, load_spec

__all__ = ["BatchReport", "BatchSpec", "RunSpec", "execute_run", "load_spec", "run_batch", "summary_lines"]
