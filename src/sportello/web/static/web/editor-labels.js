// The rich-text editor's labels in the agent's language: django-prose-editor asks
// window.gettext when its module loads, so this classic script runs first (editor.js).
(function () {
  "use strict";
  var holder = document.querySelector("[data-editor-labels]");
  var labels = holder ? JSON.parse(holder.getAttribute("data-editor-labels")) : {};
  // The admin loads Django's JavaScript catalog first: its gettext answers the rest.
  var previous = window.gettext;
  window.gettext = function (text) {
    return labels[text] || (previous ? previous(text) : text);
  };
})();
