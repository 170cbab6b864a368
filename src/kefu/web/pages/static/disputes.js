/* kefu — dispute pages: evidence file rows, the decision's refund bound, the timeline
   filter, and a notice when the other side changed the dispute. Self-written, no CDN. */
(function () {
  "use strict";
  var t = Kefu.t;
  var TYPE_NAMES = { "image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WebP", "image/gif": "GIF",
    "application/pdf": "PDF", "video/mp4": "MP4", "video/quicktime": "MOV", "text/plain": "TXT" };
  var EXT = { jpg: "image/jpeg", jpeg: "image/jpeg", png: "image/png", webp: "image/webp", gif: "image/gif",
    pdf: "application/pdf", mp4: "video/mp4", mov: "video/quicktime", txt: "text/plain" };

  function mb(bytes) { return Math.round(bytes / 1048576); }

  /* ---- evidence files: check type and size at once, add rows up to the limit ---- */
  function checkFile(input, box) {
    var out = input.parentNode.querySelector(".dz-file-error");
    var file = input.files && input.files[0];
    var msg = "";
    if (file) {
      var types = (box.getAttribute("data-types") || "").split(",");
      var max = parseInt(box.getAttribute("data-max-bytes"), 10);
      var type = file.type || EXT[(file.name.split(".").pop() || "").toLowerCase()] || "";
      if (types.indexOf(type) < 0) {
        var names = types.map(function (x) { return TYPE_NAMES[x] || x; }).join(", ");
        msg = t("不支持此文件类型，请上传 " + names + "。", "This type of file is not accepted; use " + names + ".");
      } else if (file.size > max) {
        msg = t("文件超过 " + mb(max) + " MB 上限。", "The file is larger than " + mb(max) + " MB.");
      } else if (file.size === 0) {
        msg = t("文件是空的。", "The file is empty.");
      }
    }
    if (out) out.textContent = msg;
    input.setCustomValidity(msg);
  }

  document.querySelectorAll(".dz-files").forEach(function (box) {
    var rows = box.querySelector(".dz-file-rows");
    var add = box.querySelector(".dz-add-file");
    var max = parseInt(box.getAttribute("data-max-files"), 10) || 10;
    function sync() { if (add) add.hidden = rows.children.length >= max; }
    box.addEventListener("change", function (e) {
      if (e.target.type === "file") checkFile(e.target, box);
    });
    if (add) add.addEventListener("click", function () {
      if (rows.children.length >= max) return;
      var row = rows.lastElementChild.cloneNode(true);
      var input = row.querySelector("input[type=file]");
      input.value = ""; input.required = false; input.setCustomValidity("");
      row.querySelector(".dz-file-error").textContent = "";
      rows.appendChild(row);
      sync();
      input.focus();
    });
    sync();
  });

  /* ---- the decision: the refund field for a partial refund, and its bound ---- */
  var decision = document.querySelector("form[data-form=decision]");
  if (decision) {
    var refundBox = decision.querySelector(".dz-refund");
    var refund = decision.querySelector("input[name=refund]");
    var refundErr = decision.querySelector(".dz-refund-error");
    var maxYuan = parseFloat(refund.getAttribute("data-max"));
    var outcome = function () {
      var el = decision.querySelector("input[name=outcome]:checked");
      return el ? el.value : "";
    };
    var refundProblem = function () {
      if (outcome() !== "partial") return "";
      var raw = refund.value.replace(/[¥￥,\s]/g, "");
      var value = Number(raw);
      if (!raw || isNaN(value) || !/^\d+(\.\d{1,2})?$/.test(raw)) {
        return t("请填写退款金额（元，最多两位小数）。", "Enter the refund in yuan (at most two decimals).");
      }
      if (value <= 0 || value > maxYuan) {
        return t("部分退款金额须大于 0 且不超过订单金额 ¥" + maxYuan.toFixed(2) + "。",
                 "A partial refund must be more than ¥0.00 and at most the order amount, ¥" + maxYuan.toFixed(2) + ".");
      }
      return "";
    };
    var show = function () {
      refundBox.hidden = outcome() !== "partial";
      var msg = refund.value ? refundProblem() : "";
      refundErr.textContent = msg;
      refund.classList.toggle("invalid", !!msg);
    };
    decision.addEventListener("change", show);
    refund.addEventListener("input", show);
    decision.addEventListener("submit", function (e) {
      var msg = refundProblem();
      if (msg) {
        e.preventDefault();
        e.stopImmediatePropagation();
        refundErr.textContent = msg;
        refund.classList.add("invalid");
        refund.focus();
      }
    });
    show();
  }

  /* ---- forms: one post at a time (the clicked button's value still travels) ---- */
  document.querySelectorAll("form.dz-form").forEach(function (form) {
    form.addEventListener("submit", function (e) {
      if (form.getAttribute("data-sending")) { e.preventDefault(); return; }
      form.setAttribute("data-sending", "1");
      setTimeout(function () { form.removeAttribute("data-sending"); }, 8000);
    });
  });

  /* ---- the timeline filter ---- */
  var filter = document.querySelector(".dz-filter");
  if (filter) filter.addEventListener("click", function (e) {
    var btn = e.target.closest("button[data-filter]");
    if (!btn) return;
    var who = btn.getAttribute("data-filter");
    filter.querySelectorAll("button").forEach(function (b) { b.classList.toggle("active", b === btn); });
    document.querySelectorAll(".dz-timeline > li").forEach(function (li) {
      var party = li.getAttribute("data-party");
      li.hidden = who !== "all" && party !== who && li.getAttribute("data-kind") !== "stage";
    });
  });

  /* ---- a refused form: bring its message into view ---- */
  var refused = document.querySelector(".dz-form .alert.error");
  if (refused && refused.scrollIntoView) refused.scrollIntoView({ block: "center" });

  /* ---- the other side acted: offer a reload (checked every 20 s) ---- */
  var head = document.querySelector(".dz-title[data-dispute]");
  if (head) {
    var id = head.getAttribute("data-dispute");
    var seen = Date.parse(head.getAttribute("data-updated"));
    var told = false;
    setInterval(function () {
      if (told || document.hidden) return;
      Kefu.api("GET", "/api/v1/disputes/" + id).then(function (data) {
        if (data && Date.parse(data.updated_at) > seen) {
          told = true;
          var bar = document.createElement("div");
          bar.className = "alert info dz-changed";
          bar.setAttribute("role", "status");
          bar.innerHTML = Kefu.escape(t("这个纠纷有了新进展。", "This dispute has changed.")) +
            ' <a href="' + location.pathname + '">' + Kefu.escape(t("刷新查看", "Reload")) + "</a>";
          head.parentNode.insertBefore(bar, head.nextSibling);
        }
      }).catch(function () { /* offline for a moment: try again next time */ });
    }, 20000);
  }
})();
