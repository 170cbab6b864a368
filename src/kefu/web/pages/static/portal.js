/* kefu customer portal: the new-request form shows the detected problem type and the
   channel advisor's advice while the customer types (debounced, stale answers dropped). */
(function () {
  "use strict";
  var box = document.getElementById("description");
  var panel = document.getElementById("advice");
  if (!box || !panel) return;
  var counter = document.getElementById("counter");
  var url = box.getAttribute("data-preview");
  var timer = null, last = null, controller = null;
  var WAIT_MS = 450;

  function count() {
    if (counter) counter.textContent = box.value.length + " / " + box.getAttribute("maxlength");
  }

  function ask() {
    var text = box.value.trim();
    if (text === last) return;
    last = text;
    if (controller) controller.abort();
    controller = window.AbortController ? new AbortController() : null;
    panel.setAttribute("aria-busy", "true");
    panel.classList.add("loading");
    fetch(url + "?text=" + encodeURIComponent(text.slice(0, 2000)), {
      credentials: "same-origin",
      headers: { "Accept": "text/html" },
      signal: controller ? controller.signal : undefined
    }).then(function (r) {
      if (!r.ok) throw new Error(r.status + " " + r.statusText);
      return r.text();
    }).then(function (html) {
      panel.innerHTML = html;
    }).catch(function (err) {
      if (err && err.name === "AbortError") return;
      Kefu.toast(Kefu.t("暂时无法给出建议，您仍可直接提交。", "No advice right now — you can still send the request."), "error");
    }).then(function () {
      panel.setAttribute("aria-busy", "false");
      panel.classList.remove("loading");
    });
  }

  box.addEventListener("input", function () {
    count();
    clearTimeout(timer);
    timer = setTimeout(ask, WAIT_MS);
  });
  count();
  if (box.value.trim()) ask();

  var form = document.getElementById("new-request");
  if (form) form.addEventListener("submit", function () {
    var button = form.querySelector("button[type=submit]");
    if (button) { button.disabled = true; button.textContent = Kefu.t("正在提交…", "Sending…"); }
  });
})();
