// Live refresh: listens to the agent's event stream (/events/) and, after a change to a
// ticket the agent may read, reloads the current page in the background and swaps in the
// top bar counters, dashboard widget bodies, the overview table and the zoom's article
// list. A region the agent is working in (focus inside, a ticked checkbox, an open
// form) is left alone. A "presence" event (another agent opened a dialog or started
// typing on a ticket) refreshes the zoom's presence region ([data-presence-region]), an
// aria-live region whose content alone is replaced, and again when its soonest record
// expires. Without EventSource, or when the stream fails for good, the pages keep their
// own polling (hx-trigger="every ...").
(function () {
  "use strict";
  var url = document.body.getAttribute("data-live-url");
  if (!url || !window.EventSource || !window.DOMParser) return;
  var REGIONS = [".topbar .counters", "[data-widget-body]", "table[data-overview]", "table.article-list"];
  var timer = null;
  var busy = false;

  function inUse(el) {
    if (el.contains(document.activeElement) && document.activeElement !== document.body) return true;
    if (el.querySelector("input:checked, form, [aria-expanded='true']")) return true;
    return false;
  }

  function refresh() {
    if (busy) { schedule(); return; }
    busy = true;
    fetch(window.location.href, { credentials: "same-origin", headers: { "X-Sportello-Live": "1" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, "text/html");
        REGIONS.forEach(function (selector) {
          var current = document.querySelectorAll(selector);
          var incoming = fresh.querySelectorAll(selector);
          if (current.length !== incoming.length) return;
          current.forEach(function (el, i) {
            if (inUse(el)) return;
            var replacement = document.importNode(incoming[i], true);
            el.replaceWith(replacement);
            if (window.htmx) window.htmx.process(replacement);
          });
        });
        document.body.setAttribute("data-live-refreshed", String(Date.now()));
      })
      .catch(function () { /* the next event or the page's polling tries again */ })
      .then(function () { busy = false; });
  }

  function schedule() {
    if (timer) clearTimeout(timer);
    // Several events of one action (state, article, lock) become one reload.
    timer = setTimeout(function () { timer = null; refresh(); }, 300);
  }

  var expiry = null;

  function watchExpiry(region) {
    var marker = region.querySelector("[data-expires-in]");
    var seconds = marker ? parseInt(marker.getAttribute("data-expires-in"), 10) : NaN;
    if (expiry) { clearTimeout(expiry); expiry = null; }
    if (seconds >= 0) expiry = setTimeout(refreshPresence, (seconds + 1) * 1000);
  }

  function refreshPresence() {
    document.querySelectorAll("[data-presence-region]").forEach(function (region) {
      fetch(region.getAttribute("data-presence-region"), { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (html === null) return;
          // The region stays in place so that screen readers announce the new text.
          region.innerHTML = html;
          watchExpiry(region);
        })
        .catch(function () { /* the region's own polling tries again */ });
    });
  }

  document.querySelectorAll("[data-presence-region]").forEach(watchExpiry);
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.target && event.target.hasAttribute && event.target.hasAttribute("data-presence-region")) {
      watchExpiry(event.target);
    }
  });

  var source = new EventSource(url);
  source.addEventListener("ticket", schedule);
  source.addEventListener("presence", function () {
    refreshPresence();
    // Overview and dashboard rows name the agents at work as well.
    if (document.querySelector("table[data-overview], [data-widget-body]")) schedule();
  });
  source.addEventListener("open", function () { document.body.setAttribute("data-live", "on"); });
  source.addEventListener("error", function () {
    // EventSource reconnects by itself after the server ends a stream; CLOSED means it gave up.
    if (source.readyState === EventSource.CLOSED) document.body.setAttribute("data-live", "off");
  });
})();
