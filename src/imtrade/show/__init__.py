"""What chapters show: the figure theme, glued values and downloadable tables."""
