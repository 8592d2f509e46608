// Request forms: remember which suggested FAQ articles the customer opened, so the
// request records it when it is sent anyway, and tell the server at once (a view event:
// "opened and left" when no request follows).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-faq-opened]");
    var field = document.querySelector("[data-faq-opened-field]");
    if (!link || !field) return;
    var numbers = field.value ? field.value.split(",") : [];
    if (numbers.indexOf(link.dataset.faqOpened) < 0) numbers.push(link.dataset.faqOpened);
    field.value = numbers.join(",");
    var visit = document.querySelector("[data-faq-visit]");
    if (!visit || !navigator.sendBeacon) return;
    var data = new FormData();
    data.append("number", link.dataset.faqOpened);
    data.append("visit", visit.value);
    navigator.sendBeacon(visit.dataset.openedUrl, data);
  });
})();
