// Top menu: each agent arranges its entries by dragging them; the new order is posted
// to the server (kept in the agent's preferences). Without a pointer or JavaScript the
// preferences page moves entries up and down with buttons.
(function () {
  "use strict";

  function saveOrder(nav, entries) {
    var keys = Array.prototype.map.call(entries.querySelectorAll("[data-menu]"), function (el) {
      return el.getAttribute("data-menu");
    });
    // "saving" until this order is stored: a second drag is not taken for saved by the first.
    nav.setAttribute("data-saved", "saving");
    return window.sportelloPost(nav.getAttribute("data-menu-order-url"), "order", keys).then(function (response) {
      nav.setAttribute("data-saved", response.ok ? "yes" : "failed");
    });
  }

  function setup(nav) {
    var entries = nav.querySelector(".menu-entries");
    if (!entries) return;
    var dragged = null;
    entries.querySelectorAll("[data-menu]").forEach(function (entry) {
      entry.addEventListener("dragstart", function (event) {
        dragged = entry;
        entry.classList.add("dragging");
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", entry.getAttribute("data-menu"));
      });
      entry.addEventListener("dragend", function () {
        entry.classList.remove("dragging");
        dragged = null;
      });
    });
    entries.addEventListener("dragover", function (event) {
      if (!dragged) return;
      event.preventDefault();
      var before = null;
      entries.querySelectorAll(":scope > [data-menu]:not(.dragging)").forEach(function (el) {
        var box = el.getBoundingClientRect();
        var sameRow = event.clientY >= box.top && event.clientY <= box.bottom;
        if (before === null && (event.clientY < box.top || (sameRow && event.clientX < box.left + box.width / 2))) {
          before = el;
        }
      });
      if (before) entries.insertBefore(dragged, before);
      else entries.appendChild(dragged);
    });
    entries.addEventListener("drop", function (event) {
      if (!dragged) return;
      event.preventDefault();
      saveOrder(nav, entries);
    });
  }

  // Small screens: the top menus fold behind the menu button, the zoom's action menu
  // starts folded. Without JavaScript both stay open (the CSS keys on html.js).
  document.documentElement.classList.add("js");
  var NARROW = "(max-width: 48rem)";

  function setupToggle(button) {
    var bar = button.closest(".topbar");
    button.hidden = false;
    button.addEventListener("click", function () {
      var open = !bar.classList.contains("open");
      bar.classList.toggle("open", open);
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".topbar .menu-toggle").forEach(setupToggle);
    if (window.matchMedia(NARROW).matches) {
      document.querySelectorAll("details[data-fold-narrow]").forEach(function (d) { d.open = false; });
    }
    document.querySelectorAll("nav[data-menu-order-url]").forEach(setup);
  });
})();
