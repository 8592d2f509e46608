// Attachments of the article forms (progressive enhancement; without script the file
// input alone works): files dropped onto the field join it, several picks add up, and
// each picked file has a remove button. Files already uploaded are listed by the server
// with remove buttons of their own.
(function () {
  "use strict";
  function setup(box) {
    var input = box.querySelector("input[type=file]");
    var zone = box.querySelector(".drop-zone");
    var list = box.querySelector("ul.picked");
    if (box.getAttribute("data-ready") || !input || !zone || !list) { return; }
    if (typeof DataTransfer === "undefined") { return; }
    box.setAttribute("data-ready", "1");
    var files = [];
    function sync() {
      var transfer = new DataTransfer();
      files.forEach(function (file) { transfer.items.add(file); });
      input.files = transfer.files;
      list.textContent = "";
      files.forEach(function (file, index) {
        var item = document.createElement("li");
        item.textContent = file.name + " ";
        var button = document.createElement("button");
        button.type = "button";
        button.className = "remove-picked";
        button.textContent = box.getAttribute("data-remove-label") || "Remove";
        button.addEventListener("click", function () { files.splice(index, 1); sync(); });
        item.appendChild(button);
        list.appendChild(item);
      });
      list.hidden = files.length === 0;
    }
    function add(picked) {
      Array.prototype.forEach.call(picked, function (file) { files.push(file); });
      sync();
    }
    // The browser replaces the input's files on every pick: keep the earlier ones.
    input.addEventListener("change", function () { add(input.files); });
    zone.addEventListener("dragover", function (event) {
      event.preventDefault();
      zone.classList.add("dragging");
    });
    zone.addEventListener("dragleave", function () { zone.classList.remove("dragging"); });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      zone.classList.remove("dragging");
      if (event.dataTransfer && event.dataTransfer.files.length) { add(event.dataTransfer.files); }
    });
  }
  function setupAll() { document.querySelectorAll("[data-attachments]").forEach(setup); }
  // Also after htmx swapped a dialog in (inserting a template reloads it).
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setupAll);
  } else {
    setupAll();
  }
  document.addEventListener("htmx:afterSettle", setupAll);
})();
