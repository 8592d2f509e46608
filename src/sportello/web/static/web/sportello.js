// Sportello agent interface: skin switch, article keys, htmx glue. No inline script
// anywhere (the Content-Security-Policy forbids it): everything lives here.
(function () {
  "use strict";
  var root = document.documentElement;
  var stored = null;
  try { stored = window.localStorage.getItem("sportello-skin"); } catch (e) { /* private mode */ }
  if (stored === "dark" || stored === "light") { root.setAttribute("data-skin", stored); }

  function currentSkin() {
    var chosen = root.getAttribute("data-skin");
    if (chosen) { return chosen; }
    return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest && event.target.closest("[data-skin-toggle]");
    if (!toggle) { return; }
    var next = currentSkin() === "dark" ? "light" : "dark";
    root.setAttribute("data-skin", next);
    try { window.localStorage.setItem("sportello-skin", next); } catch (e) { /* ignore */ }
  });

  // j / k: next / previous article in the zoom (not while typing).
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    var tag = (event.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select" || event.target.isContentEditable) { return; }
    if (event.key !== "j" && event.key !== "k") { return; }
    var articles = Array.prototype.slice.call(document.querySelectorAll("article[data-article]"));
    if (!articles.length) { return; }
    var index = articles.indexOf(document.activeElement);
    index = event.key === "j" ? Math.min(index + 1, articles.length - 1) : Math.max(index - 1, 0);
    articles[index].focus();
    articles[index].scrollIntoView({ block: "start" });
    event.preventDefault();
  });

  // The mark button is swapped by htmx: keep each article's highlight in step.
  document.addEventListener("htmx:afterSettle", function () {
    document.querySelectorAll("article[data-article]").forEach(function (article) {
      var button = article.querySelector(".mark-form button");
      if (button) { article.classList.toggle("marked", button.getAttribute("aria-pressed") === "true"); }
    });
  });
})();
