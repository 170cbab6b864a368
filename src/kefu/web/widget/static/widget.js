/* kefu chat widget (customer side) and the shared connection client.
 * Protocol: docs/subsystems/chat.md. No dependencies, no CDN. */
(function (global) {
  "use strict";

  var T = {
    zh: {
      you: "我", bot: "智能客服", agent: "客服", system: "系统", send: "发送", attach: "附件",
      placeholder: "请输入您的问题…", helpful: "有帮助", unhelpful: "没帮助", typing: "对方正在输入…",
      connecting: "连接中…", online: "在线", offline: "连接已断开，正在重连…", refused: "无法登录客服：",
      read: "已读", rate: "提交评价", comment: "评语（可选）", rated: "感谢您的评价！",
      queue: "排队位置", wait: "预计等待", minutes: "分钟", sources: "参考文章", failed: "发送失败",
      uploading: "正在上传…", noupload: "转人工后才能提交附件"
    },
    en: {
      you: "You", bot: "Assistant", agent: "Agent", system: "System", send: "Send", attach: "File",
      placeholder: "Type your question…", helpful: "Helpful", unhelpful: "Not helpful",
      typing: "typing…", connecting: "Connecting…", online: "Online",
      offline: "Disconnected, reconnecting…", refused: "Cannot sign in: ", read: "Read",
      rate: "Submit rating", comment: "Comment (optional)", rated: "Thank you for your rating!",
      queue: "Queue position", wait: "Estimated wait", minutes: "min", sources: "Articles",
      failed: "Not sent", uploading: "Uploading…", noupload: "Files can be sent once an agent has your case"
    }
  };

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  function newId() {
    if (global.crypto && global.crypto.randomUUID) return global.crypto.randomUUID();
    return "c" + Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
  }

  /* ---- the connection: hello/welcome, resume by last_seq, unacked frames resent ---- */
  function ChatClient(opts) {
    this.opts = opts;
    this.messages = {};         // seq → message
    this.lastSeq = 0;           // highest seq with every earlier one received
    this.pending = [];          // unacked frames, resent after every welcome
    this.conversationId = opts.conversationId || null;
    this.ws = null;
    this.backoff = 500;
    this.stopped = false;
    this.uploadToken = null;
    this.storeKey = opts.storeKey || null;
    this._load();
  }
  ChatClient.prototype._load = function () {
    if (!this.storeKey || !global.localStorage) return;
    try {
      var saved = JSON.parse(global.localStorage.getItem(this.storeKey) || "{}");
      if (saved.conversationId && !this.conversationId) this.conversationId = saved.conversationId;
      if (Array.isArray(saved.pending)) this.pending = saved.pending;
    } catch (e) { /* a broken store starts fresh */ }
  };
  ChatClient.prototype._save = function () {
    if (!this.storeKey || !global.localStorage) return;
    try {
      global.localStorage.setItem(this.storeKey, JSON.stringify(
        {conversationId: this.conversationId, pending: this.pending}));
    } catch (e) { /* storage full or blocked: resend still works in this page */ }
  };
  ChatClient.prototype.url = function () {
    var o = this.opts, q = [];
    if (o.token) q.push("token=" + encodeURIComponent(o.token));
    else if (o.sig) {
      q.push("uid=" + encodeURIComponent(o.uid)); q.push("ts=" + encodeURIComponent(o.ts));
      q.push("sig=" + encodeURIComponent(o.sig));
    }
    var proto = global.location.protocol === "https:" ? "wss:" : "ws:";
    var base = o.base ? o.base.replace(/^http/, "ws") : proto + "//" + global.location.host;
    return base + "/api/v1/ws/chat" + (q.length ? "?" + q.join("&") : "");
  };
  ChatClient.prototype.connect = function () {
    var self = this;
    if (this.stopped) return;
    this.opts.onStatus && this.opts.onStatus("connecting");
    var ws = this.ws = new WebSocket(this.url());
    ws.onopen = function () {
      self.backoff = 500;
      var hello = {type: "hello", last_seq: self.lastSeq, lang: self.opts.lang};
      if (self.opts.ticketId) hello.ticket_id = self.opts.ticketId;
      else if (self.conversationId) hello.conversation_id = self.conversationId;
      ws.send(JSON.stringify(hello));
    };
    ws.onmessage = function (ev) {
      var f;
      try { f = JSON.parse(ev.data); } catch (e) { return; }
      self._frame(f);
    };
    ws.onclose = function (ev) {
      if (self.ws !== ws) return;
      self.ws = null;
      if (ev.code === 1008) {
        self.stopped = true;
        self.opts.onStatus && self.opts.onStatus("refused", ev.reason);
        return;
      }
      self.opts.onStatus && self.opts.onStatus("offline");
      setTimeout(function () { self.connect(); }, self.backoff);
      self.backoff = Math.min(self.backoff * 2, 10000);
    };
  };
  ChatClient.prototype._add = function (m) {
    if (!m || !m.seq) return;
    var isNew = !this.messages[m.seq];
    this.messages[m.seq] = m;
    while (this.messages[this.lastSeq + 1]) this.lastSeq += 1;
    if (isNew) this.opts.onMessage && this.opts.onMessage(m);
  };
  ChatClient.prototype._frame = function (f) {
    var self = this;
    if (f.type === "welcome") {
      if (f.conversation && f.conversation.id) this.conversationId = f.conversation.id;
      if (f.upload_token) this.uploadToken = f.upload_token;
      this._save();
      (f.messages || []).forEach(function (m) { self._add(m); });
      this.opts.onStatus && this.opts.onStatus("online");
      this.opts.onState && this.opts.onState(f.conversation);
      this.pending.forEach(function (p) { self._raw(p); });  // resend what was never acked
    } else if (f.type === "ack") {
      this.pending = this.pending.filter(function (p) { return p.client_id !== f.client_id; });
      this._save();
      this._add(f.message);
      this.opts.onAck && this.opts.onAck(f);
    } else if (f.type === "message") {
      this._add(f.message);
    } else if (f.type === "state") {
      this.opts.onState && this.opts.onState(f.conversation);
    } else if (f.type === "error") {
      if (f.ref && f.code !== "internal_error") {  // refused for good: do not resend it
        this.pending = this.pending.filter(function (p) { return p.client_id !== f.ref; });
        this._save();
      }
      this.opts.onError && this.opts.onError(f);
    } else if (this.opts.onFrame) {
      this.opts.onFrame(f);
    }
  };
  ChatClient.prototype._raw = function (frame) {
    if (this.ws && this.ws.readyState === 1) this.ws.send(JSON.stringify(frame));
  };
  ChatClient.prototype.sendReliable = function (frame) {
    frame.client_id = frame.client_id || newId();
    this.pending.push(frame);
    this._save();
    this._raw(frame);
    return frame.client_id;
  };
  ChatClient.prototype.send = function (frame) { this._raw(frame); };
  ChatClient.prototype.close = function () { this.stopped = true; if (this.ws) this.ws.close(); };

  /* ---- rendering shared by both sides ---- */
  function renderMessage(m, side, t, handlers) {
    var mine = m.author === side;
    var cls = "kefu-msg " + m.author + (mine ? " mine" : "");
    var box = el("div", cls);
    box.dataset.seq = m.seq;
    var who = mine ? t.you : (m.author_name && m.author === "agent" ? m.author_name : t[m.author]);
    if (m.author !== "system") box.appendChild(el("div", "kefu-who", who));
    var bubble = el("div", "kefu-bubble", m.body || "");
    (m.attachments || []).forEach(function (a) {
      var f = el("div", "kefu-files", "📎 " + a.filename + " (" + Math.ceil(a.size / 1024) + " KB)");
      bubble.appendChild(f);
    });
    if (m.citations && m.citations.length) {
      var list = el("ul", "kefu-cites");
      m.citations.forEach(function (c) {
        var li = el("li"), a = el("a", null, c.title || c.slug);
        a.href = c.url || "#"; a.target = "_blank"; a.rel = "noopener";
        li.appendChild(a); list.appendChild(li);
      });
      bubble.appendChild(list);
    }
    if (m.kind === "queue" && m.meta && m.meta.position) {
      var q = el("div", "kefu-queue", t.queue + ": " + m.meta.position +
        (m.meta.wait_seconds != null ? " · " + t.wait + " " + Math.max(1, Math.ceil(m.meta.wait_seconds / 60)) + " " + t.minutes : ""));
      bubble.appendChild(q);
    }
    box.appendChild(bubble);
    if (handlers) handlers(m, box);
    return box;
  }

  /* The chat's header: its title, then the connection status and whatever the page put in
   * the root for it (`[data-kefu-head]`, e.g. the language switch); clears the root. */
  function makeHead(root, text, connecting) {
    var extras = Array.prototype.slice.call(root.querySelectorAll("[data-kefu-head]"));
    extras.forEach(function (x) { x.remove(); });
    root.innerHTML = "";
    var head = el("div", "kefu-head"), side = el("span", "kefu-head-side");
    var status = el("span", "kefu-status", connecting);
    side.appendChild(status);
    extras.forEach(function (x) { side.appendChild(x); });
    head.appendChild(el("strong", "kefu-title", text)); head.appendChild(side);
    return {head: head, status: status};
  }

  /* ---- the customer widget ---- */
  function mount(root, config) {
    var lang = (config.lang || "zh").indexOf("en") === 0 ? "en" : "zh";
    var t = T[lang];
    var head = makeHead(root, document.title || t.bot, t.connecting), status = head.status;
    head = head.head;
    var banner = el("div", "kefu-banner");
    var log = el("div", "kefu-log");
    var typing = el("div", "kefu-typing");
    var form = el("form", "kefu-send");
    var input = el("textarea"); input.placeholder = t.placeholder; input.name = "body";
    var attach = el("label", "kefu-attach", t.attach);
    var file = el("input"); file.type = "file"; attach.appendChild(file);
    var send = el("button", "kefu-primary", t.send); send.type = "submit";
    form.appendChild(attach); form.appendChild(input); form.appendChild(send);
    [head, banner, log, typing, form].forEach(function (x) { root.appendChild(x); });

    var ident = config.token ? "t:" + config.token.slice(-12) : "u:" + (config.uid || "");
    var state = {conversation: null, typingTimer: null, lastTyping: 0, readSent: 0};

    function flash(text) {
      banner.textContent = text; banner.className = "kefu-banner show";
      setTimeout(function () { banner.className = "kefu-banner"; }, 6000);
    }
    function scroll() { log.scrollTop = log.scrollHeight; }
    function latestBotSeq() {
      var best = 0;
      Object.keys(client.messages).forEach(function (s) {
        if (client.messages[s].author === "bot") best = Math.max(best, +s);
      });
      return best;
    }
    function actions(m, box) {
      var meta = m.meta || {};
      if (m.author === "bot" && (meta.ask_helpful || (meta.options || []).length)) {
        var row = el("div", "kefu-actions");
        (meta.options || []).forEach(function (o) {
          var b = el("button", null, o.label || o.code); b.type = "button";
          b.onclick = function () { row.remove(); client.sendReliable({type: "choose", code: o.code}); };
          row.appendChild(b);
        });
        if (meta.ask_helpful) {
          [[true, t.helpful], [false, t.unhelpful]].forEach(function (p) {
            var b = el("button", "kefu-feedback", p[1]); b.type = "button";
            b.dataset.helpful = String(p[0]);
            b.onclick = function () { row.remove(); client.sendReliable({type: "feedback", helpful: p[0]}); };
            row.appendChild(b);
          });
        }
        box.appendChild(row);
      }
      if (m.kind === "rating_request") box.appendChild(ratingForm());
    }
    function ratingForm() {
      var wrap = el("div", "kefu-rating"), stars = el("div", "kefu-stars"), score = 0;
      for (var i = 1; i <= 5; i++) {
        (function (n) {
          var b = el("button", null, "★"); b.type = "button"; b.dataset.score = n;
          b.onclick = function () {
            score = n;
            Array.prototype.forEach.call(stars.children, function (s) {
              s.className = +s.dataset.score <= n ? "on" : "";
            });
          };
          stars.appendChild(b);
        })(i);
      }
      var comment = el("textarea"); comment.placeholder = t.comment; comment.maxLength = 500;
      var go = el("button", null, t.rate); go.type = "button";
      go.onclick = function () {
        if (!score) return;
        client.send({type: "rating", score: score, comment: comment.value});
      };
      wrap.appendChild(stars); wrap.appendChild(comment); wrap.appendChild(go);
      return wrap;
    }
    function place(box, seq) {
      var after = null;
      Array.prototype.some.call(log.children, function (c) {
        if (c.dataset.seq && +c.dataset.seq > seq) { after = c; return true; }
        return false;
      });
      log.insertBefore(box, after);
    }

    var client = new ChatClient({
      lang: lang, token: config.token, uid: config.uid, ts: config.ts, sig: config.sig,
      base: config.base, storeKey: "kefu-chat:" + ident,
      onStatus: function (s, reason) {
        status.textContent = s === "online" ? t.online : s === "refused" ? t.refused + (reason || "") :
          s === "offline" ? t.offline : t.connecting;
        if (s === "refused") flash(t.refused + (reason || ""));
      },
      onMessage: function (m) {
        var existing = log.querySelector('[data-client-id="' + (m.client_id || "-") + '"]');
        if (existing) existing.remove();
        if (m.author === "bot") {  // only the newest bot answer keeps its buttons
          Array.prototype.forEach.call(log.querySelectorAll(".kefu-msg.bot .kefu-actions"), function (r) { r.remove(); });
        }
        place(renderMessage(m, "customer", t, actions), m.seq);
        if (m.author === "agent") typing.textContent = "";
        scroll(); markRead();
      },
      onState: function (c) { state.conversation = c; },
      onError: function (f) {
        if (f.ref) {
          var p = log.querySelector('[data-client-id="' + f.ref + '"]');
          if (p) p.className += " failed";
        }
        flash(f.message || f.code);
      },
      onFrame: function (f) {
        if (f.type === "typing" && f.side === "agent") {
          typing.textContent = f.on ? (f.name || t.agent) + " " + t.typing : "";
          clearTimeout(state.typingTimer);
          state.typingTimer = setTimeout(function () { typing.textContent = ""; }, 5000);
        } else if (f.type === "read" && f.side === "agent") {
          Array.prototype.forEach.call(log.querySelectorAll(".kefu-msg.mine"), function (b) {
            if (+b.dataset.seq <= f.seq && !b.querySelector(".kefu-read")) b.appendChild(el("div", "kefu-read", t.read));
          });
        } else if (f.type === "rated") {
          Array.prototype.forEach.call(log.querySelectorAll(".kefu-rating"), function (r) { r.remove(); });
        }
      }
    });
    function markRead() {
      if (document.hidden || client.lastSeq <= state.readSent) return;
      state.readSent = client.lastSeq;
      client.send({type: "read", seq: client.lastSeq});
    }
    document.addEventListener("visibilitychange", markRead);
    form.onsubmit = function (ev) {
      ev.preventDefault();
      var body = input.value.trim();
      if (!body) return;
      input.value = "";
      var id = client.sendReliable({type: "message", body: body});
      var draft = renderMessage({seq: 0, author: "customer", body: body}, "customer", t);
      draft.className += " pending"; draft.dataset.clientId = id; draft.removeAttribute("data-seq");
      log.appendChild(draft); scroll();
      client.send({type: "typing", on: false});
    };
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) { ev.preventDefault(); form.requestSubmit ? form.requestSubmit() : form.onsubmit(ev); }
    });
    input.addEventListener("input", function () {
      var now = Date.now();
      if (now - state.lastTyping > 2000) { state.lastTyping = now; client.send({type: "typing", on: true}); }
    });
    file.onchange = function () {
      var f = file.files && file.files[0];
      file.value = "";
      if (!f || !client.conversationId) return;
      if (!state.conversation || !state.conversation.ticket_id) { flash(t.noupload); return; }
      var data = new FormData();
      data.append("file", f, f.name);
      data.append("client_id", newId());
      var headers = config.token ? {"Authorization": "Bearer " + config.token} : {"X-Chat-Upload": client.uploadToken || ""};
      flash(t.uploading);
      fetch((config.base || "") + "/api/v1/chat/conversations/" + client.conversationId + "/attachments",
        {method: "POST", body: data, headers: headers})
        .then(function (r) { return r.json().then(function (j) { return [r, j]; }); })
        .then(function (rj) {
          if (!rj[0].ok) { flash((rj[1].error && rj[1].error.message) || rj[0].status); return; }
          banner.className = "kefu-banner";
          client._add(rj[1].message);
          (rj[1].notices || []).forEach(function (m) { client._add(m); });
        })
        .catch(function (e) { flash(String(e)); });
    };
    client.connect();
    return client;
  }

  global.KefuChat = {Client: ChatClient, render: renderMessage, texts: T, el: el, newId: newId, head: makeHead};
  global.KefuWidget = {mount: mount};
})(window);
