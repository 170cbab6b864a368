/* kefu chat — host page snippet. Include it, then call
 *   KefuEmbed.open({base: "https://kefu.example.com", uid: "UID123", ts: 1700000000,
 *                   sig: "<hex HMAC-SHA256(widget_secret, uid + '.' + ts)>", lang: "zh"});
 * (or {token: "<customer API token>"} instead of uid/ts/sig). The signature is made by the
 * host's server, never in the browser: see docs/subsystems/chat.md. */
(function (global) {
  "use strict";
  var frame = null;
  function open(opts) {
    opts = opts || {};
    var base = (opts.base || "").replace(/\/$/, "");
    var q = ["lang=" + encodeURIComponent(opts.lang || "zh")];
    ["token", "uid", "ts", "sig"].forEach(function (k) {
      if (opts[k] !== undefined && opts[k] !== null && opts[k] !== "") q.push(k + "=" + encodeURIComponent(opts[k]));
    });
    if (!frame) {
      frame = document.createElement("iframe");
      frame.title = opts.title || "在线客服";
      frame.setAttribute("allow", "clipboard-write");
      var s = frame.style;
      s.position = "fixed"; s.right = "16px"; s.bottom = "16px"; s.width = opts.width || "380px";
      s.height = opts.height || "600px"; s.maxHeight = "90vh"; s.border = "0"; s.zIndex = "2147483000";
      s.borderRadius = "12px"; s.boxShadow = "0 8px 32px rgba(0,0,0,.2)"; s.background = "#fff";
      (opts.container || document.body).appendChild(frame);
    }
    frame.src = base + "/widget?" + q.join("&");
    return frame;
  }
  function close() { if (frame) { frame.remove(); frame = null; } }
  global.KefuEmbed = {open: open, close: close};
})(window);
