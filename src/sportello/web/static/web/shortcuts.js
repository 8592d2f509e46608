// Keyboard shortcuts of the agent interface, listed in the dialog that "?" opens (its
// text is in base.html, translated). Never while typing in a field or with a modifier.
// After an htmx swap that took the focus away, the focus goes to the swapped content.
(function () {
  "use strict";

  function typing(target) {
    var tag = (target.tagName || "").toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  function follow(selector) {
    var element = document.querySelector(selector);
    if (!element) return false;
    element.click();
    return true;
  }

  // j / k in a ticket list: the next / previous ticket (its link takes the focus; Enter opens it).
  function moveInList(step) {
    var rows = Array.prototype.filter.call(
      document.querySelectorAll("table[data-overview] tbody tr, .widget-body tbody tr"),
      function (row) { return row.querySelector("a[href*='/ticket/']"); });
    if (!rows.length) return false;
    var index = rows.indexOf(document.activeElement && document.activeElement.closest("tr"));
    index = index < 0 ? (step > 0 ? 0 : rows.length - 1) : Math.max(0, Math.min(rows.length - 1, index + step));
    rows.forEach(function (row) { row.classList.remove("current"); });
    rows[index].classList.add("current");
    rows[index].querySelector("a[href*='/ticket/']").focus();
    return true;
  }

  var actions = {
    "?": function () {
      var dialog = document.getElementById("shortcuts");
      if (!dialog) return false;
      dialog.showModal();
      return true;
    },
    "/": function () {
      var field = document.querySelector(
        "#search-form input[type=text], #search-form input[type=search], #search-form input:not([type])");
      if (field) { field.focus(); return true; }
      return follow(".mainnav a[data-menu=search]");
    },
    "d": function () { return follow(".brand"); },
    "a": function () {
      // The editor's writing area where the rich-text editor runs, else the textarea.
      var answer = document.querySelector("#answer [contenteditable=true]") ||
        document.querySelector("#answer textarea");
      if (answer) { answer.focus(); answer.scrollIntoView({ block: "center" }); return true; }
      return false;
    },
    "n": function () { return follow("nav.ticket-actions a[href$='/action/note/']"); },
    "c": function () { return follow("nav.ticket-actions form[action$='/open/close/'] button:not([disabled])"); },
    "l": function () {
      return follow("nav.ticket-actions form[action$='/do/lock/'] button, nav.ticket-actions form[action$='/do/unlock/'] button");
    },
  };

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) return;
    if (document.querySelector("dialog[open]")) return;
    var handled = false;
    if (event.key === "j" || event.key === "k") {
      if (document.querySelector("article[data-article]")) return; // the zoom: articles (sportello.js)
      handled = moveInList(event.key === "j" ? 1 : -1);
    } else if (Object.prototype.hasOwnProperty.call(actions, event.key)) {
      handled = actions[event.key]();
    }
    if (handled) event.preventDefault();
  });

  document.addEventListener("DOMContentLoaded", function () {
    var dialog = document.getElementById("shortcuts");
    if (!dialog) return;
    dialog.querySelector("button[data-close]").addEventListener("click", function () { dialog.close(); });
  });

  // htmx replaced what had the focus: put it on the new content so keyboard and screen
  // reader users stay where they were.
  document.addEventListener("htmx:afterSwap", function (event) {
    var active = document.activeElement;
    if (active && active !== document.body && document.contains(active)) return;
    var target = event.detail.target;
    var fresh = target && document.contains(target) ? target : (target && target.id ? document.getElementById(target.id) : null);
    if (!fresh) return;
    if (!fresh.hasAttribute("tabindex")) fresh.setAttribute("tabindex", "-1");
    fresh.focus({ preventScroll: true });
  });
})();
