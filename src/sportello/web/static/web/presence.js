// Presence: a form with data-presence-announce (a ticket dialog, the zoom's answer form)
// tells the server that the agent works on the ticket: dialogs on load, the answer form
// on the first keystroke; then again every 20 s while the page is open (the record
// lasts 60 s). Leaving the page ends it (a beacon); submitting and "Undo and finish" end
// it on the server as well. The other agents' pages show it (live.js).
(function () {
  "use strict";
  var HEARTBEAT = 20000;
  document.querySelectorAll("form[data-presence-announce]").forEach(function (form) {
    var url = form.getAttribute("data-presence-announce");
    var activity = form.getAttribute("data-presence-activity");
    var token = form.querySelector("input[name=csrfmiddlewaretoken]");
    var announced = false;
    var last = 0;
    var timer = null;

    function body(leave) {
      var data = new FormData();
      data.append("csrfmiddlewaretoken", token ? token.value : "");
      data.append("activity", activity);
      if (leave) data.append("leave", "1");
      return data;
    }

    function send() {
      last = Date.now();
      fetch(url, { method: "POST", body: body(false), credentials: "same-origin" })
        .catch(function () { /* the next heartbeat tries again */ });
    }

    function announce() {
      // Typing renews at most every 10 s; the heartbeat does the rest.
      if (announced && Date.now() - last < HEARTBEAT / 2) return;
      announced = true;
      send();
      if (!timer) timer = setInterval(send, HEARTBEAT);
    }

    function leave() {
      if (!announced) return;
      announced = false;
      if (timer) { clearInterval(timer); timer = null; }
      if (navigator.sendBeacon) navigator.sendBeacon(url, body(true));
    }

    if (form.getAttribute("data-presence-on") === "load") announce();
    form.addEventListener("input", announce);
    window.addEventListener("pagehide", leave);
    // Back from the page cache: the dialog is open again.
    window.addEventListener("pageshow", function (event) {
      if (event.persisted && form.getAttribute("data-presence-on") === "load") announce();
    });
  });
})();
