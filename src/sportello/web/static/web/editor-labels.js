// The rich-text editor's labels in the agent's language: django-prose-editor asks
// window.gettext when its module loads, so this classic script runs first (editor.js).
(function () {
  "use strict";
  var holder = document.querySelector("[data-editor-labels]");
  var labels = holder ? JSON.parse(holder.getAttribute("data-editor-labels")) : {};
  if (!window.gettext) {
    window.gettext = function (text) { return labels[text] || text; };
  }
})();
