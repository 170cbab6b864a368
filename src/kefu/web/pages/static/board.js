/* The supervisor board, live: queue figures from WebSocket /api/v1/ws/supervisor (the
   session cookie signs it in), the at-risk list and agents re-rendered by /board/panels. */
(function () {
  "use strict";
  var boot = JSON.parse(document.getElementById("board-data").textContent);
  var labels = boot.labels, t = Kefu.t, esc = Kefu.escape;
  var history = [];

  function name(kind, code) { return (labels[kind] && labels[kind][code]) || code; }
  /* The server's `duration` filter, in JS. */
  function dur(s) {
    if (s === null || s === undefined) return "—";
    var n = Math.floor(Math.abs(s)), sign = s < 0 ? "-" : "";
    function two(x) { return (x < 10 ? "0" : "") + x; }
    if (n >= 86400) return sign + Math.floor(n / 86400) + "d " + Math.floor(n % 86400 / 3600) + "h";
    if (n >= 3600) return sign + Math.floor(n / 3600) + "h " + two(Math.floor(n % 3600 / 60)) + "m";
    return sign + Math.floor(n / 60) + "m " + two(n % 60) + "s";
  }
  function pct(x) { return x === null || x === undefined ? "—" : Math.round(x * 100) + "%"; }

  function kpis(queues) {
    var waiting = 0, oldest = null, estW = 0, estN = 0, slW = 0, slN = 0;
    queues.forEach(function (q) {
      waiting += q.length;
      if (q.length) {
        oldest = Math.max(oldest || 0, q.oldest_wait_seconds || 0);
        if (q.estimated_wait_seconds !== null) { estW += q.estimated_wait_seconds * q.length; estN += q.length; }
      }
      if (q.answered) { slW += (q.service_level || 0) * q.answered; slN += q.answered; }
    });
    return { waiting: waiting, oldest: oldest, estimated: estN ? estW / estN : null, sl: slN ? slW / slN : null };
  }

  function row(q) {
    var key = q.team + "/" + q.lane + "/" + q.medium;
    return '<tr data-queue="' + esc(key) + '"' + (q.length ? ' class="has-wait"' : "") + ">" +
      "<td>" + esc(name("team", q.team)) + "</td><td>" + esc(name("lane", q.lane)) + "</td><td>" + esc(name("medium", q.medium)) + "</td>" +
      '<td class="num" data-f="length"><strong>' + q.length + "</strong></td>" +
      '<td class="num" data-f="oldest">' + (q.length ? dur(q.oldest_wait_seconds) : "—") + "</td>" +
      '<td class="num" data-f="estimated">' + dur(q.estimated_wait_seconds) + "</td>" +
      '<td class="num" data-f="agents">' + q.agents + " · " + q.busy + "/" + q.servers + "</td>" +
      '<td class="num" data-f="arrivals">' + q.arrival_rate_per_hour + "</td>" +
      '<td class="num" data-f="handle">' + (q.handle_seconds ? dur(q.handle_seconds) : "—") + "</td>" +
      '<td class="num" data-f="sl">' + pct(q.service_level) + ' <span class="muted small">/ ' + q.service_level_target_seconds + "s</span></td>" +
      '<td class="num" data-f="erlang">' + (q.erlang_service_level === null ? "—" : pct(q.erlang_service_level) + ' <span class="muted small">· ' + dur(q.erlang_wait_seconds) + "</span>") + "</td>" +
      '<td class="num" data-f="abandoned">' + q.abandoned + "</td></tr>";
  }

  function spark() {
    var el = document.querySelector("#spark polyline");
    if (!el || !history.length) return;
    var top = Math.max.apply(null, history.concat([1]));
    var step = history.length > 1 ? 120 / (history.length - 1) : 0;
    el.setAttribute("points", history.map(function (v, i) {
      return (i * step).toFixed(1) + "," + (26 - v / top * 24).toFixed(1);
    }).join(" "));
  }

  function show(message) {
    var queues = (message.queues || []).slice().sort(function (a, b) {
      return (a.team + a.lane + a.medium) < (b.team + b.lane + b.medium) ? -1 : 1;
    });
    var body = document.querySelector("#queues tbody");
    var before = {};
    body.querySelectorAll("tr[data-queue]").forEach(function (tr) {
      var cell = tr.querySelector('[data-f="length"]');
      before[tr.getAttribute("data-queue")] = cell ? cell.textContent : "";
    });
    body.innerHTML = queues.length ? queues.map(row).join("") :
      '<tr class="empty"><td colspan="12" class="muted">' + esc(t("当前没有有工作或有坐席的队列。", "No queue has work or agents right now.")) + "</td></tr>";
    body.querySelectorAll("tr[data-queue]").forEach(function (tr) {  /* flash what changed */
      var key = tr.getAttribute("data-queue"), now = tr.querySelector('[data-f="length"]').textContent;
      if (key in before ? before[key] !== now : Object.keys(before).length > 0) tr.classList.add("changed");
    });
    var k = kpis(queues);
    document.getElementById("kpi-waiting").textContent = k.waiting;
    document.getElementById("kpi-oldest").textContent = k.oldest === null ? "—" : dur(k.oldest);
    document.getElementById("kpi-estimated").textContent = dur(k.estimated);
    document.getElementById("kpi-sl").textContent = pct(k.sl);
    var at = document.getElementById("updated-at");
    if (message.at) {
      var d = new Date(message.at);
      at.setAttribute("datetime", message.at);
      at.textContent = d.toLocaleTimeString(Kefu.lang === "zh-CN" ? "zh-CN" : "en-GB", { hour12: false, timeZone: "Asia/Shanghai" });
    }
    history.push(k.waiting);
    if (history.length > 60) history.shift();
    spark();
  }

  /* The at-risk list and agents change with the same events, less urgently: at most every 3 s. */
  var pending = null, last = 0;
  function refreshPanels() {
    var wait = Math.max(0, 3000 - (Date.now() - last));
    if (pending) return;
    pending = setTimeout(function () {
      pending = null; last = Date.now();
      Kefu.api("GET", "/board/panels").then(function (p) {
        document.getElementById("risks").innerHTML = p.risks;
        document.getElementById("agents").innerHTML = p.agents;
        document.getElementById("kpi-online").textContent = p.online;
        Kefu.clocks();
      }).catch(function () { /* the next message tries again */ });
    }, wait);
  }

  function state(s) {
    var el = document.getElementById("live-state");
    el.setAttribute("data-state", s);
    el.querySelector(".text").textContent = s === "live" ? t("实时", "Live") :
      s === "lost" ? t("连接中断，正在重连…", "Connection lost, reconnecting…") : t("连接中…", "Connecting…");
  }

  history.push(kpis(boot.queues).waiting);
  spark();
  var first = true;
  Kefu.live("/api/v1/ws/supervisor", function (message) {
    if (message.type !== "figures") return;
    state("live");
    show(message);
    if (!first) refreshPanels();
    first = false;
  }, function (ws) {
    ws.addEventListener("close", function () { state("lost"); });
  });
  setInterval(refreshPanels, 30000);
})();
