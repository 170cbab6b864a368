/* kefu agent desk: live offers, presence, the ticket page's composer and actions, shortcuts.
   Self-written, no framework; every change goes through the JSON API with Kefu.api. */
(function () {
  "use strict";
  var K = window.Kefu, t = K.t;
  var POLL_MS = 4000, THREAD_POLL_MS = 5000;

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }
  function fail(err) { K.toast(err && err.message ? err.message : String(err), "error"); }

  /* A toast to show after the next page load (actions that reload the page). */
  function later(message) { try { sessionStorage.setItem("kefu.desk.toast", message); } catch (e) { /* private mode */ } }
  try {
    var pending = sessionStorage.getItem("kefu.desk.toast");
    if (pending) { sessionStorage.removeItem("kefu.desk.toast"); K.toast(pending); }
  } catch (e) { /* private mode */ }

  function fetchHtml(url) {
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } }).then(function (r) {
      if (r.redirected && r.url.indexOf("/login") >= 0) { location.href = r.url; throw new Error("signed out"); }
      if (!r.ok) throw new Error(r.status + " " + r.statusText);
      return r.text();
    });
  }

  /* ---- help overlay, search, rows -------------------------------------------------------- */
  var help = $("#help");
  function showHelp() { if (help && !help.open) help.showModal(); }
  $all("[data-help]").forEach(function (b) { b.addEventListener("click", showHelp); });

  var selected = -1;
  function rows() { return $all("tr[data-row-href]"); }
  function select(i) {
    var list = rows();
    if (!list.length) return;
    selected = Math.max(0, Math.min(list.length - 1, i));
    list.forEach(function (r, n) { r.classList.toggle("selected", n === selected); });
    list[selected].scrollIntoView({ block: "nearest" });
  }
  document.addEventListener("click", function (e) {
    var row = e.target.closest && e.target.closest("tr[data-row-href]");
    if (row && !e.target.closest("a, button, input, select")) location.href = row.getAttribute("data-row-href");
  });

  var gPressed = 0;
  var keys = {
    "?": showHelp,
    "/": function () { var q = $("#desk-q"); if (q) { q.focus(); q.select(); } else location.href = "/desk/tickets"; },
    "j": function () { select(selected + 1); },
    "k": function () { select(selected - 1); },
    "o": function () { var r = rows()[selected]; if (r) location.href = r.getAttribute("data-row-href"); },
    "g": function () { gPressed = Date.now(); },
    "d": function () { if (Date.now() - gPressed < 1500) location.href = "/desk"; }
  };

  /* ---- desk home: live panels, offers, presence ------------------------------------------ */
  var live = $("#desk-live");
  if (live) {
    var known = offerIds(live);
    var busy = false;

    function offerIds(root) {
      var el = $("#offers", root);
      var raw = el ? el.getAttribute("data-offer-ids") : "";
      return raw ? raw.split(",") : [];
    }

    function refresh() {
      if (busy) return Promise.resolve();
      busy = true;
      return fetchHtml(live.getAttribute("data-live-url")).then(function (html) {
        var box = document.createElement("div");
        box.innerHTML = html;
        var ids = offerIds(box);
        var fresh = ids.filter(function (id) { return known.indexOf(id) < 0; });
        live.innerHTML = html;  // the panels hold only buttons and links: nothing typed is lost
        if (selected >= 0) select(selected);
        K.clocks();
        if (fresh.length) {
          var first = $('[data-offer-id="' + fresh[0] + '"]', live);
          var tid = first ? first.getAttribute("data-ticket-id") : "";
          K.toast(t("新工单分配给你：#" + tid + "（按 a 接受）", "New work offered to you: #" + tid + " (press a to accept)"));
          document.title = "● " + document.title.replace(/^● /, "");
        } else if (!ids.length) {
          document.title = document.title.replace(/^● /, "");
        }
        known = ids;
      }).catch(function () { /* offline for a moment: try again at the next tick */ })
        .then(function () { busy = false; });
    }
    setInterval(function () { if (!document.hidden) refresh(); }, POLL_MS);
    document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });

    function accept(id) {
      var el = $('[data-offer-id="' + id + '"]', live);
      var tid = el ? el.getAttribute("data-ticket-id") : null;
      $all("[data-accept='" + id + "']").forEach(function (b) { b.disabled = true; });
      return K.api("POST", "/api/v1/routing/offers/" + id + "/accept").then(function (offer) {
        later(t("已接受 #" + offer.ticket_id, "Accepted #" + offer.ticket_id));
        location.href = "/desk/tickets/" + (offer.ticket_id || tid);
      }).catch(function (err) { fail(err); refresh(); });
    }
    function decline(id) {
      return K.api("POST", "/api/v1/routing/offers/" + id + "/decline", { reason: "" }).then(function () {
        K.toast(t("已拒绝，工单将分配给其他客服", "Declined: the work goes to someone else"));
        refresh();
      }).catch(function (err) { fail(err); refresh(); });
    }
    live.addEventListener("click", function (e) {
      var a = e.target.closest("[data-accept]"), d = e.target.closest("[data-decline]");
      if (a) accept(a.getAttribute("data-accept"));
      if (d) decline(d.getAttribute("data-decline"));
    });
    keys.a = function () { var b = $("[data-accept]", live); if (b) accept(b.getAttribute("data-accept")); };

    var presence = $(".presence");
    if (presence) presence.addEventListener("click", function (e) {
      var b = e.target.closest("[data-presence]");
      if (!b) return;
      var value = b.getAttribute("data-presence");
      K.api("PATCH", "/api/v1/agents/" + presence.getAttribute("data-agent-id"), { presence: value }).then(function () {
        $all("[data-presence]", presence).forEach(function (x) {
          var on = x === b;
          x.classList.toggle("active", on);
          x.setAttribute("aria-pressed", on ? "true" : "false");
        });
        K.toast(t("状态已切换为：", "Presence: ") + b.textContent.trim());
        refresh();
      }).catch(fail);
    });
  }

  /* ---- ticket page ----------------------------------------------------------------------- */
  var ticket = $("#ticket");
  if (ticket) {
    var id = ticket.getAttribute("data-ticket-id");
    var compose = $("#compose"), send = $("#send"), mode = "reply";
    var draftKey = "kefu.desk.draft." + id;

    function setMode(m) {
      mode = m;
      $all(".tab", $("#composer")).forEach(function (b) {
        var on = b.getAttribute("data-mode") === m;
        b.classList.toggle("active", on);
        b.setAttribute("aria-selected", on ? "true" : "false");
      });
      $("#composer").classList.toggle("note-mode", m === "note");
      compose.placeholder = compose.getAttribute("data-ph-" + m);
      send.textContent = send.getAttribute("data-label-" + m);
      compose.focus();
    }
    $all(".tab", $("#composer")).forEach(function (b) {
      b.addEventListener("click", function () { setMode(b.getAttribute("data-mode")); });
    });

    try { compose.value = localStorage.getItem(draftKey) || ""; } catch (e) { /* ignore */ }
    compose.addEventListener("input", function () {
      try { localStorage.setItem(draftKey, compose.value); } catch (e) { /* ignore */ }
    });

    function insert(text) {
      var start = compose.selectionStart || 0, end = compose.selectionEnd || 0, v = compose.value;
      var before = v.slice(0, start), sep = before && !/\n$/.test(before) ? "\n" : "";
      compose.value = before + sep + text + v.slice(end);
      var pos = (before + sep + text).length;
      compose.focus();
      compose.setSelectionRange(pos, pos);
      compose.dispatchEvent(new Event("input"));
    }

    var threadCount = Number(($("#thread") || {}).getAttribute ? $("#thread").getAttribute("data-count") : 0);
    function scrollThread() { var th = $("#thread"); if (th) th.scrollTop = th.scrollHeight; }
    function reloadThread(announce) {
      return fetchHtml($("#thread-wrap").getAttribute("data-thread-url")).then(function (html) {
        var box = document.createElement("div");
        box.innerHTML = html;
        var next = $("#thread", box), n = Number(next.getAttribute("data-count"));
        if (n === threadCount && announce) return;
        var last = $all(".msg", box).pop();
        $("#thread-wrap").innerHTML = html;
        if (announce && n > threadCount && last && last.classList.contains("customer")) {
          K.toast(t("客户发来新消息", "New message from the customer"));
        }
        threadCount = n;
        scrollThread();
      });
    }
    scrollThread();
    setInterval(function () { if (!document.hidden) reloadThread(true).catch(function () {}); }, THREAD_POLL_MS);

    function submit() {
      var body = compose.value.trim();
      if (!body) { K.toast(t("请先输入内容", "Write something first"), "error"); compose.focus(); return; }
      send.disabled = true;
      var url = "/api/v1/tickets/" + id + (mode === "note" ? "/notes" : "/messages");
      K.api("POST", url, { body: body }).then(function () {
        compose.value = "";
        try { localStorage.removeItem(draftKey); } catch (e) { /* ignore */ }
        K.toast(mode === "note" ? t("备注已添加", "Note added") : t("回复已发送", "Reply sent"));
        return reloadThread(false);
      }).catch(fail).then(function () { send.disabled = false; });
    }
    send.addEventListener("click", submit);

    /* saved replies */
    function fill(text) {
      return text.replace(/\{customer\}/g, ticket.getAttribute("data-customer"))
        .replace(/\{ticket\}/g, id).replace(/\{agent\}/g, ticket.getAttribute("data-agent"));
    }
    function toggle(btn, panel, focus) {
      var open = panel.hidden;
      $all(".popover").forEach(function (p) { p.hidden = true; });
      $all(".picker > button").forEach(function (b) { b.setAttribute("aria-expanded", "false"); });
      panel.hidden = !open;
      btn.setAttribute("aria-expanded", open ? "true" : "false");
      if (open && focus) focus.focus();
    }
    var savedBtn = $("#saved-btn"), savedList = $("#saved-list"), savedFilter = $("#saved-filter");
    savedBtn.addEventListener("click", function () { toggle(savedBtn, savedList, savedFilter); });
    savedFilter.addEventListener("input", function () {
      var q = savedFilter.value.toLowerCase();
      $all("[data-saved]", savedList).forEach(function (b) {
        b.parentNode.hidden = q && b.textContent.toLowerCase().indexOf(q) < 0;
      });
    });
    savedFilter.addEventListener("keydown", function (e) {
      if (e.key === "Enter") { e.preventDefault(); var b = $all("[data-saved]", savedList).filter(function (x) { return !x.parentNode.hidden; })[0]; if (b) b.click(); }
      if (e.key === "Escape") toggle(savedBtn, savedList);
    });
    savedList.addEventListener("click", function (e) {
      var b = e.target.closest("[data-saved]");
      if (!b) return;
      toggle(savedBtn, savedList);
      if (mode !== "reply") setMode("reply");
      insert(fill(b.getAttribute("data-body")));
    });

    /* knowledge-base articles */
    var kbBtn = $("#kb-btn"), kbPanel = $("#kb-panel"), kbQ = $("#kb-q"), kbList = $("#kb-results"), kbTimer;
    kbBtn.addEventListener("click", function () { toggle(kbBtn, kbPanel, kbQ); });
    kbQ.addEventListener("keydown", function (e) { if (e.key === "Escape") toggle(kbBtn, kbPanel); });
    kbQ.addEventListener("input", function () {
      clearTimeout(kbTimer);
      kbTimer = setTimeout(function () {
        var q = kbQ.value.trim();
        if (!q) return;
        K.api("GET", "/api/v1/kb/search?limit=8&q=" + encodeURIComponent(q)).then(function (res) {
          kbList.innerHTML = "";
          (res.items || []).forEach(function (hit) {
            var li = document.createElement("li"), b = document.createElement("button");
            b.type = "button"; b.className = "choice";
            b.innerHTML = "<strong>" + K.escape(hit.title) + "</strong><span class='muted small'>" +
              K.escape(hit.lang) + " · " + K.escape(hit.snippet || "") + "</span>";
            b.addEventListener("click", function () {
              toggle(kbBtn, kbPanel);
              var link = /^https?:/.test(hit.url) ? hit.url : location.origin + hit.url;
              insert(t("参考帮助文章《", "See the help article “") + hit.title + t("》：", "”: ") + link);
            });
            li.appendChild(b); kbList.appendChild(li);
          });
          if (!kbList.children.length) kbList.innerHTML = "<li class='muted small'>" + K.escape(t("没有找到相关文章", "No article found")) + "</li>";
        }).catch(function (err) {
          kbList.innerHTML = "<li class='muted small'>" + K.escape(err.status === 404 ? t("知识库暂不可用", "The knowledge base is not available") : err.message) + "</li>";
        });
      }, 250);
    });
    document.addEventListener("click", function (e) {
      if (!e.target.closest(".picker")) $all(".popover").forEach(function (p) { p.hidden = true; });
    });

    /* status, subcategory, merge */
    function transition(to, button) {
      if (button) button.disabled = true;
      K.api("POST", "/api/v1/tickets/" + id + "/transitions", { to: to }).then(function (res) {
        later(t("状态已更新", "Status changed") + " → " + (button ? button.textContent.replace(/\s*e$/, "").trim() : res.status));
        location.reload();
      }).catch(function (err) { fail(err); if (button) button.disabled = false; });
    }
    $all("[data-transition]").forEach(function (b) {
      b.addEventListener("click", function () { transition(b.getAttribute("data-transition"), b); });
    });
    $("#subcategory-save").addEventListener("click", function () {
      K.api("PUT", "/api/v1/tickets/" + id + "/subcategory", { subcategory: $("#subcategory").value }).then(function () {
        later(t("分类已更正", "Subcategory corrected")); location.reload();
      }).catch(fail);
    });
    $("#merge-go").addEventListener("click", function () {
      var into = Number($("#merge-id").value || $("#merge-into").value);
      if (!into) { K.toast(t("请选择要合并到的工单", "Choose the ticket to merge into"), "error"); return; }
      if (!confirm(t("把 #" + id + " 合并到 #" + into + "？此操作不可撤销。", "Merge #" + id + " into #" + into + "? This cannot be undone."))) return;
      K.api("POST", "/api/v1/tickets/" + id + "/merge", { into: into }).then(function (survivor) {
        later(t("已合并到 #", "Merged into #") + survivor.id);
        location.href = "/desk/tickets/" + survivor.id;
      }).catch(fail);
    });

    keys.r = function () { setMode("reply"); };
    keys.n = function () { setMode("note"); };
    keys.s = function () { savedBtn.click(); };
    keys.i = function () { kbBtn.click(); };
    keys.e = function () { var b = $("[data-transition=resolved]"); if (b) transition("resolved", b); };
    keys["mod+enter"] = function () { if (document.activeElement === compose) submit(); };

    var chat = $("#agent-chat");
    if (chat && window.KefuAgentChat && typeof window.KefuAgentChat.mount === "function") {
      window.KefuAgentChat.mount(chat, { ticketId: Number(id), lang: K.lang });
    }
  }

  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape") $all(".popover").forEach(function (p) { p.hidden = true; });
  });
  K.shortcuts(keys);
})();
