// The book's additions to the theme (imtrade.book.sphinx_ext).
// Dark-mode figures: each figure is a <picture> whose dark source is chosen by the system
// setting before any script runs; when the reader picks a mode with the theme's switch
// (html[data-theme]), the source follows that choice instead.
(function () {
  "use strict";
  function sync() {
    // "auto" (before the theme has resolved it, or when the reader picked it): the system decides.
    var theme = document.documentElement.dataset.theme;
    var media = theme === "dark" ? "all" : theme === "light" ? "not all" : "(prefers-color-scheme: dark)";
    document.querySelectorAll("source[data-imtrade-dark]").forEach(function (source) {
      if (source.media !== media) {
        source.media = media;
      }
    });
  }
  new MutationObserver(sync).observe(document.documentElement, {
    attributes: true,
    attributeFilter: ["data-theme"],
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", sync);
  } else {
    sync();
  }
})();
