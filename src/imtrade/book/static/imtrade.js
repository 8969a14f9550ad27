// The book's additions to the theme (imtrade.book.sphinx_ext).
// Dark-mode figures: each figure is a <picture> whose dark source is chosen by the system
// setting before any script runs; when the reader picks a mode with the theme's switch
// (html[data-theme]), the source follows that choice instead.
(function () {
  "use strict";
  function sync() {
    var dark = document.documentElement.dataset.theme === "dark";
    document.querySelectorAll("source[data-imtrade-dark]").forEach(function (source) {
      var media = dark ? "all" : "not all";
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
