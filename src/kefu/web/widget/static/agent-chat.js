/* kefu agent chat: KefuAgentChat.mount(element, {ticketId, lang, token?}) — the agent's side
 * of a ticket's chat (transcript, live messages, typing, reply box). Needs widget.js first.
 * Without a token the page's session cookie signs the socket in. */
(function (global) {
  "use strict";
  var K = global.KefuChat;
  var EXTRA = {
    zh: {reply: "回复客户…", title: "客户会话", customer: "客户", typing: "客户正在输入…"},
    en: {reply: "Reply to the customer…", title: "Customer chat", customer: "Customer", typing: "customer is typing…"}
  };

  function mount(root, opts) {
    opts = opts || {};
    var lang = (opts.lang || "zh").indexOf("en") === 0 ? "en" : "zh";
    var t = Object.assign({}, K.texts[lang], EXTRA[lang]);
    t.you = t.agent;
    var el = K.el;
    var made = K.head(root, t.title + " · #" + opts.ticketId, t.connecting);
    root.classList.add("kefu-chat", "kefu-agent");
    var head = made.head, status = made.status;
    var banner = el("div", "kefu-banner"), log = el("div", "kefu-log"), typing = el("div", "kefu-typing");
    var form = el("form", "kefu-send"), input = el("textarea"), send = el("button", "kefu-primary", t.send);
    input.placeholder = t.reply; input.name = "reply"; send.type = "submit";
    form.appendChild(input); form.appendChild(send);
    [head, banner, log, typing, form].forEach(function (x) { root.appendChild(x); });
    var lastTyping = 0, typingTimer = null, readSent = 0;

    function flash(text) {
      banner.textContent = text; banner.className = "kefu-banner show";
      setTimeout(function () { banner.className = "kefu-banner"; }, 6000);
    }
    var client = new K.Client({
      lang: lang, token: opts.token, ticketId: opts.ticketId, base: opts.base,
      storeKey: "kefu-agent-chat:" + opts.ticketId,
      onStatus: function (s, reason) {
        status.textContent = s === "online" ? t.online : s === "refused" ? t.refused + (reason || "") :
          s === "offline" ? t.offline : t.connecting;
      },
      onMessage: function (m) {
        var draft = m.client_id && log.querySelector('[data-client-id="' + m.client_id + '"]');
        if (draft) draft.remove();
        var box = K.render(m, "agent", Object.assign({}, t, {customer: t.customer}));
        var after = null;
        Array.prototype.some.call(log.children, function (c) {
          if (c.dataset.seq && +c.dataset.seq > m.seq) { after = c; return true; }
          return false;
        });
        log.insertBefore(box, after);
        if (m.author === "customer") typing.textContent = "";
        log.scrollTop = log.scrollHeight;
        if (!document.hidden && client.lastSeq > readSent) { readSent = client.lastSeq; client.send({type: "read", seq: readSent}); }
      },
      onError: function (f) { flash(f.message || f.code); },
      onFrame: function (f) {
        if (f.type === "typing" && f.side === "customer") {
          typing.textContent = f.on ? t.typing : "";
          clearTimeout(typingTimer);
          typingTimer = setTimeout(function () { typing.textContent = ""; }, 5000);
        } else if (f.type === "read" && f.side === "customer") {
          Array.prototype.forEach.call(log.querySelectorAll(".kefu-msg.mine"), function (b) {
            if (+b.dataset.seq <= f.seq && !b.querySelector(".kefu-read")) b.appendChild(el("div", "kefu-read", t.read));
          });
        }
      }
    });
    form.onsubmit = function (ev) {
      ev.preventDefault();
      var body = input.value.trim();
      if (!body) return;
      input.value = "";
      var id = client.sendReliable({type: "message", body: body});
      var draft = K.render({seq: 0, author: "agent", body: body}, "agent", t);
      draft.className += " pending"; draft.dataset.clientId = id; draft.removeAttribute("data-seq");
      log.appendChild(draft); log.scrollTop = log.scrollHeight;
    };
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) { ev.preventDefault(); form.requestSubmit ? form.requestSubmit() : form.onsubmit(ev); }
    });
    input.addEventListener("input", function () {
      var now = Date.now();
      if (now - lastTyping > 2000) { lastTyping = now; client.send({type: "typing", on: true}); }
    });
    client.connect();
    return client;
  }
  global.KefuAgentChat = {mount: mount};
})(window);
