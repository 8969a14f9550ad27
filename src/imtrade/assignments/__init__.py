"""Course assignments: student and instructor editions, per-student variants, autograding.

- :mod:`.editions`: answer declarations, the student version of a chapter (solutions
  removed before execution) and the search of built files for leaked solution text;
- :mod:`.assign`: ``imtrade assign`` — roster and pool, deterministic draws, one notebook
  and one answer key per student;
- :mod:`.grade`: ``imtrade grade`` — executes submissions in fresh kernels with a time
  limit and scores the declared answers against each student's key;
- :mod:`.runner`: executes one notebook in a fresh kernel, in its own process.

The instructors' page of the book (``book/instructors.md``) explains the workflow.
"""
