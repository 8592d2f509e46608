// Sportello agent interface: overview refresh, article keys, htmx glue. No inline script
// anywhere (the Content-Security-Policy forbids it): everything lives here.
(function () {
  "use strict";
  // Posts a list of values under one name, as a form would, with the page's CSRF token:
  // the dashboard's widgets and the top menu save their dragged order through this.
  window.sportelloPost = function (url, name, values) {
    var body = new URLSearchParams();
    values.forEach(function (value) { body.append(name, value); });
    var token = "";
    try {
      token = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (e) { /* no token: the server refuses the post */ }
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": token, "HX-Request": "true" },
      body: body,
    });
  };

  // Overviews reload themselves at the agent's interval (data-refresh, seconds on
  // <body>), keeping the scroll position; not while the agent is typing in a form.
  var KEY = "sportello-scroll:" + window.location.pathname + window.location.search;
  try {
    var saved = window.sessionStorage.getItem(KEY);
    if (saved !== null) {
      window.sessionStorage.removeItem(KEY);
      window.addEventListener("load", function () { window.scrollTo(0, parseInt(saved, 10) || 0); });
    }
  } catch (e) { /* private mode */ }
  document.addEventListener("DOMContentLoaded", function () {
    var seconds = parseInt(document.body.getAttribute("data-refresh") || "0", 10);
    if (!(seconds > 0)) { return; }
    window.setInterval(function () {
      var active = document.activeElement;
      if (active && active.form && active !== document.body) { return; }
      try { window.sessionStorage.setItem(KEY, String(window.scrollY)); } catch (e) { /* ignore */ }
      window.location.reload();
    }, seconds * 1000);
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
