"""Chapter logic that notebooks would otherwise repeat: one module per chapter.

A module ``imtrade.chapters.<chapter>`` may define ``check_parameters(params: dict) -> None``;
``imtrade run`` and ``imtrade build`` call it before executing the chapter, and the chapter
calls it in its first cell so that running it by hand in Jupyter validates the same way.
"""
