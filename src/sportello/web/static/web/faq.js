// The FAQ picker of the article dialogs: a click on "Insert as quote" or "Insert as
// link" puts the hit's text into the dialog's text field at the cursor.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-faq-insert]");
    if (!button) return;
    var picker = button.closest("[data-faq-picker]");
    var field = picker && document.getElementById(picker.dataset.target);
    if (!field) return;
    event.preventDefault();
    var text = button.dataset.faqInsert;
    if (field.dataset.richTextReady) {
      // The editor (editor.js) inserts it at its own cursor.
      field.dispatchEvent(new CustomEvent("sportello:insert-text", { detail: { text: text } }));
      return;
    }
    var start = field.selectionStart || 0;
    var end = field.selectionEnd || 0;
    var before = field.value.slice(0, start);
    var glue = before && !before.endsWith("\n") ? "\n" : "";
    field.value = before + glue + text + "\n" + field.value.slice(end);
    var caret = (before + glue + text + "\n").length;
    field.focus();
    field.setSelectionRange(caret, caret);
    field.dispatchEvent(new Event("input", { bubbles: true }));
  });
})();
