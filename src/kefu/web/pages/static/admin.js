// Admin pages: a click on a day of the year calendar fills the "adjust a day" form;
// forms with data-confirm ask before they post.
(function () {
  "use strict";
  document.addEventListener("click", function (ev) {
    var cell = ev.target.closest ? ev.target.closest("td[data-day]") : null;
    if (!cell) return;
    var form = document.querySelector("form[data-form=override]");
    if (!form) return;
    form.elements.day.value = cell.getAttribute("data-day");
    var kind = cell.getAttribute("data-kind");
    form.elements.kind.value = (kind === "workday" || kind === "makeup") ? "holiday" : "workday";
    form.scrollIntoView({ behavior: "smooth", block: "center" });
    form.elements.note.focus({ preventScroll: true });
  });
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) ev.preventDefault();
  });
})();
