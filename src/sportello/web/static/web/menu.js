// Top menu: each agent arranges its entries by dragging them; the new order is posted
// to the server (kept in the agent's preferences). Without a pointer or JavaScript the
// preferences page moves entries up and down with buttons.
(function () {
  "use strict";

  function saveOrder(nav, entries) {
    var keys = Array.prototype.map.call(entries.querySelectorAll("[data-menu]"), function (el) {
      return el.getAttribute("data-menu");
    });
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

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("nav[data-menu-order-url]").forEach(setup);
  });
})();
