// Dashboard: reorder widgets by dragging their title bar within a column; the new
// order is posted to the server (kept per agent). Removing and restoring are forms.
(function () {
  "use strict";

  function saveOrder(root) {
    var names = Array.prototype.map.call(root.querySelectorAll("[data-widget]"), function (el) {
      return el.getAttribute("data-widget");
    });
    // "saving" until this order is stored: a second drag is not taken for saved by the first.
    root.setAttribute("data-saved", "saving");
    return window.sportelloPost(root.getAttribute("data-order-url"), "widget", names).then(function (response) {
      root.setAttribute("data-saved", response.ok ? "yes" : "failed");
    });
  }

  function setup(root) {
    var dragged = null;
    root.querySelectorAll("[data-drag-handle]").forEach(function (handle) {
      var widget = handle.closest("[data-widget]");
      handle.addEventListener("dragstart", function (event) {
        dragged = widget;
        widget.classList.add("dragging");
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", widget.getAttribute("data-widget"));
      });
      handle.addEventListener("dragend", function () {
        widget.classList.remove("dragging");
        dragged = null;
      });
    });
    root.querySelectorAll("[data-widget-column]").forEach(function (column) {
      column.addEventListener("dragover", function (event) {
        if (!dragged || dragged.parentElement !== column) return;
        event.preventDefault();
        var after = null;
        column.querySelectorAll(":scope > [data-widget]:not(.dragging)").forEach(function (el) {
          var box = el.getBoundingClientRect();
          if (after === null && event.clientY < box.top + box.height / 2) after = el;
        });
        if (after) column.insertBefore(dragged, after);
        else column.appendChild(dragged);
      });
      column.addEventListener("drop", function (event) {
        if (!dragged) return;
        event.preventDefault();
        saveOrder(root);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-dashboard]").forEach(setup);
  });
})();
