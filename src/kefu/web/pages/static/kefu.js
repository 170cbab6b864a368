/* kefu — small shared helpers for the pages (self-written, no framework, no CDN). */
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  var lang = document.body.getAttribute("data-lang") || "zh-CN";

  function t(zh, en) { return lang === "zh-CN" ? zh : en; }

  function toast(message, kind) {
    var el = document.getElementById("toast");
    if (!el) return;
    el.textContent = message;
    el.className = "toast" + (kind ? " " + kind : "");
    el.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(function () { el.hidden = true; }, 4000);
  }

  /* JSON over fetch with the session cookie; changes carry the CSRF token. */
  function api(method, url, body) {
    var opts = { method: method, credentials: "same-origin", headers: { "Accept": "application/json" } };
    if (method !== "GET") opts.headers["X-CSRF-Token"] = meta ? meta.content : "";
    if (body instanceof FormData) { opts.body = body; }
    else if (body !== undefined) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
    return fetch(url, opts).then(function (r) {
      return r.text().then(function (text) {
        var data = text ? JSON.parse(text) : null;
        if (!r.ok) {
          var msg = data && data.error ? data.error.message : r.status + " " + r.statusText;
          var err = new Error(msg); err.status = r.status; err.body = data; throw err;
        }
        return data;
      });
    });
  }

  /* A WebSocket to this server that reconnects with backoff; returns {close, send}. */
  function live(path, onMessage, onOpen) {
    var ws, closed = false, delay = 500;
    function connect() {
      var proto = location.protocol === "https:" ? "wss://" : "ws://";
      ws = new WebSocket(proto + location.host + path);
      ws.onopen = function () { delay = 500; if (onOpen) onOpen(ws); };
      ws.onmessage = function (e) { try { onMessage(JSON.parse(e.data)); } catch (err) { console.error(err); } };
      ws.onclose = function () { if (!closed) setTimeout(connect, delay = Math.min(delay * 2, 10000)); };
    }
    connect();
    return {
      close: function () { closed = true; ws.close(); },
      send: function (obj) { if (ws.readyState === 1) ws.send(JSON.stringify(obj)); }
    };
  }

  function fmt(seconds) {
    var s = Math.abs(Math.round(seconds)), sign = seconds < 0 ? "-" : "";
    var d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60), x = s % 60;
    if (d) return sign + d + t("天", "d ") + h + t("时", "h");
    if (h) return sign + h + t("时", "h ") + (m < 10 ? "0" : "") + m + t("分", "m");
    return sign + m + t("分", "m ") + (x < 10 ? "0" : "") + x + t("秒", "s");
  }

  /* SLA clocks: <span class="clock" data-deadline="ISO" data-warn-at="ISO" data-paused>. */
  function clocks() {
    var now = Date.now();
    document.querySelectorAll(".clock[data-deadline]").forEach(function (el) {
      if (el.hasAttribute("data-paused")) { el.classList.add("paused"); return; }
      var left = (Date.parse(el.getAttribute("data-deadline")) - now) / 1000;
      var warn = el.getAttribute("data-warn-at");
      el.textContent = left < 0 ? t("已超时 ", "overdue ") + fmt(-left) : fmt(left);
      el.classList.toggle("breached", left < 0);
      el.classList.toggle("warning", left >= 0 && !!warn && Date.parse(warn) <= now);
    });
  }
  clocks();
  setInterval(clocks, 1000);

  /* Keyboard shortcuts: Kefu.shortcuts({"r": fn, "?": fn}); ignored while typing. */
  function shortcuts(map) {
    document.addEventListener("keydown", function (e) {
      var tag = (e.target.tagName || "").toLowerCase();
      if (e.ctrlKey || e.metaKey || e.altKey) {
        var combo = (e.ctrlKey || e.metaKey ? "mod+" : "") + (e.altKey ? "alt+" : "") + e.key.toLowerCase();
        if (map[combo]) { e.preventDefault(); map[combo](e); }
        return;
      }
      if (tag === "input" || tag === "textarea" || tag === "select" || e.target.isContentEditable) return;
      if (map[e.key]) { e.preventDefault(); map[e.key](e); }
    });
  }

  function escape(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  window.Kefu = { lang: lang, t: t, toast: toast, api: api, live: live, clocks: clocks,
                  shortcuts: shortcuts, fmt: fmt, escape: escape };
})();
