/* kefu customer portal: the new-request form shows the detected problem type and the
   channel advisor's advice while the customer types (debounced, stale answers dropped). */
(function () {
  "use strict";
  /* "Chat with us": the chat widget (/widget) in a panel over the page, loaded on first use. */
  var chatPanel = null;
  document.addEventListener("click", function (e) {
    var link = e.target.closest ? e.target.closest("[data-chat-url]") : null;
    if (!link || window.innerWidth < 480) return;  // phones: the widget opens full screen
    e.preventDefault();
    if (!chatPanel) {
      chatPanel = document.createElement("aside");
      chatPanel.className = "chat-panel";
      chatPanel.setAttribute("aria-label", link.getAttribute("data-chat-title"));
      chatPanel.innerHTML = '<div class="chat-panel-bar"><strong></strong><button type="button" class="link" data-chat-close></button></div><iframe title=""></iframe>';
      chatPanel.querySelector("strong").textContent = link.getAttribute("data-chat-title");
      chatPanel.querySelector("iframe").title = link.getAttribute("data-chat-title");
      var close = chatPanel.querySelector("[data-chat-close]");
      close.textContent = link.getAttribute("data-chat-close");
      close.addEventListener("click", function () { chatPanel.hidden = true; });
      chatPanel.querySelector("iframe").src = link.getAttribute("data-chat-url");
      document.body.appendChild(chatPanel);
    }
    chatPanel.hidden = false;
  });

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
      panel.setAttribute("data-for", text);
      summarise();
    }).catch(function (err) {
      if (err && err.name === "AbortError") return;
      Kefu.toast(Kefu.t("暂时无法给出建议，您仍可直接提交。", "No advice right now — you can still send the request."), "error");
    }).then(function () {
      panel.setAttribute("aria-busy", "false");
      panel.classList.remove("loading");
    });
  }

  /* On a phone the advice sits below the form: a one-line summary under the box. */
  function summarise() {
    var inline = document.getElementById("advice-inline");
    if (!inline) return;
    var problem = panel.querySelector(".problem"), best = panel.querySelector(".channel.best strong");
    var wait = panel.querySelector(".channel.best .wait");
    if (!problem) { inline.hidden = true; return; }
    inline.textContent = problem.textContent + (best ? " → " + best.textContent : "") +
      (wait ? " (" + wait.textContent + ")" : "") + Kefu.t("  查看建议 ↓", "  see advice ↓");
    inline.hidden = false;
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
