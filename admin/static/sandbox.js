// The sandbox chat view: polls the admin's JSON, draws the bot's messages, sends actions.
(function () {
  "use strict";
  var root = document.getElementById("sandbox");
  if (!root) return;
  var prefix = root.dataset.prefix, csrf = root.dataset.csrf;
  // Telegram's HTML parse mode: only these tags survive, everything else becomes text.
  var ALLOWED = {B: "b", STRONG: "b", I: "i", EM: "i", U: "u", INS: "u", S: "s", STRIKE: "s",
    DEL: "s", CODE: "code", PRE: "pre", A: "a", BLOCKQUOTE: "blockquote", "TG-SPOILER": "span"};

  function safe(html) {
    var doc = new DOMParser().parseFromString("<div>" + html.replace(/\n/g, "<br>") + "</div>", "text/html");
    var out = document.createElement("div");
    (function copy(from, to) {
      from.childNodes.forEach(function (node) {
        if (node.nodeType === 3) { to.appendChild(document.createTextNode(node.textContent)); return; }
        if (node.nodeType !== 1) return;
        if (node.tagName === "BR") { to.appendChild(document.createElement("br")); return; }
        var tag = ALLOWED[node.tagName];
        if (!tag) { copy(node, to); return; }
        var el = document.createElement(tag);
        if (tag === "a") {
          var href = node.getAttribute("href") || "";
          if (/^(https?:|tg:|mailto:)/i.test(href)) { el.href = href; el.rel = "noopener noreferrer"; el.target = "_blank"; }
        }
        if (node.tagName === "TG-SPOILER") el.className = "spoiler";
        copy(node, el);
        to.appendChild(el);
      });
    })(doc.body.firstChild, out);
    return out;
  }

  function post(url, body) {
    var data = body instanceof FormData ? body : new URLSearchParams(body);
    return fetch(url, {method: "POST", body: data, headers: {"X-CSRF-Token": csrf}, credentials: "same-origin"})
      .then(function (r) { if (!r.ok) return r.text().then(function (t) { throw new Error(t); }); return r.json(); });
  }

  function Chat(side) {
    this.el = document.getElementById("chat-" + side);
    this.chatId = null;
    var self = this;
    this.el.querySelector("form.say").addEventListener("submit", function (e) {
      e.preventDefault();
      var input = e.target.elements.text;
      if (!input.value.trim() || !self.chatId) return;
      self.act("say", {text: input.value}); input.value = "";
    });
    this.el.querySelector("form.upload").addEventListener("submit", function (e) {
      e.preventDefault();
      if (!self.chatId || !e.target.elements.file.files.length) return;
      var data = new FormData(); data.append("file", e.target.elements.file.files[0]);
      self.act("upload", data); e.target.reset();
    });
    this.el.querySelector("form.inline").addEventListener("submit", function (e) {
      e.preventDefault();
      if (!self.chatId) return;
      post(self.url("inline"), {query: e.target.elements.query.value}).then(function (answer) {
        var list = self.el.querySelector(".inline-results"); list.textContent = "";
        answer.results.forEach(function (r) {
          var li = document.createElement("li");
          li.textContent = (r.title || "") + (r.description ? " — " + r.description : "");
          list.appendChild(li);
        });
      });
    });
  }
  Chat.prototype.url = function (what) { return prefix + "/sandbox/chat" + (what ? "/" + what : "") + "?c=" + this.chatId; };
  Chat.prototype.open = function (value) {
    var self = this;
    var body = value === "stranger" ? {stranger: "1"} : {user_id: value};
    return post(prefix + "/sandbox/open", body).then(function (answer) {
      self.chatId = answer.chat_id; self.el.hidden = false;
      self.el.querySelector(".chat-title").textContent = answer.name;
      self.el.dataset.chatId = answer.chat_id;
      return self.refresh();
    });
  };
  Chat.prototype.act = function (what, body) {
    var self = this;
    self.el.classList.add("busy");
    return post(this.url(what), body).then(function (answer) {
      self.toast(answer.toasts || []);
      return refreshAll();
    }).catch(function (err) { self.toast([String(err.message || err)]); })
      .finally(function () { self.el.classList.remove("busy"); });
  };
  Chat.prototype.toast = function (toasts) {
    var box = this.el.querySelector(".toast");
    if (!toasts.length) return;
    box.textContent = toasts[toasts.length - 1]; box.hidden = false;
    clearTimeout(this.toastTimer);
    this.toastTimer = setTimeout(function () { box.hidden = true; }, 4000);
  };
  Chat.prototype.refresh = function () {
    var self = this;
    if (!this.chatId) return Promise.resolve();
    return fetch(this.url(""), {credentials: "same-origin"}).then(function (r) { return r.json(); })
      .then(function (answer) { self.draw(answer.messages); });
  };
  Chat.prototype.draw = function (messages) {
    var self = this, list = this.el.querySelector(".messages"), keyboard = this.el.querySelector(".reply-keyboard");
    var key = JSON.stringify(messages);
    if (key === this.drawn) return;
    this.drawn = key;
    list.textContent = ""; keyboard.textContent = "";
    var replyMarkup = null;
    messages.forEach(function (m) {
      if (m.kind === "toast" || m.deleted) return;
      var div = document.createElement("div");
      div.className = "msg " + (m.from_bot ? "bot" : "me");
      div.dataset.messageId = m.message_id;
      if (m.file_id) {
        var a = document.createElement("a");
        a.href = prefix + "/sandbox/file?id=" + encodeURIComponent(m.file_id);
        a.textContent = (m.kind === "photo" ? "🖼 " : "📎 ") + (m.file_name || "файл");
        div.appendChild(a);
      }
      div.appendChild(m.from_bot ? safe(m.text || "") : document.createTextNode(m.text || ""));
      var markup = m.markup || {};
      if (markup.inline_keyboard) {
        var kb = document.createElement("div"); kb.className = "inline-kb";
        markup.inline_keyboard.forEach(function (row) {
          var line = document.createElement("div"); line.className = "kb-row";
          row.forEach(function (b) {
            var el;
            if (b.url) { el = document.createElement("a"); el.href = b.url; el.target = "_blank"; el.rel = "noopener noreferrer"; }
            else { el = document.createElement("button"); el.type = "button"; }
            el.textContent = b.text;
            if (b.callback_data) el.addEventListener("click", function () { self.act("press", {message_id: m.message_id, data: b.callback_data}); });
            if (b.switch_inline_query_current_chat !== undefined) el.addEventListener("click", function () {
              var input = self.el.querySelector("form.inline input"); input.value = b.switch_inline_query_current_chat; input.focus();
            });
            line.appendChild(el);
          });
          kb.appendChild(line);
        });
        div.appendChild(kb);
      }
      if (m.from_bot && markup.keyboard) replyMarkup = markup;
      if (m.from_bot && markup.remove_keyboard) replyMarkup = null;
      list.appendChild(div);
    });
    if (replyMarkup) replyMarkup.keyboard.forEach(function (row) {
      var line = document.createElement("div"); line.className = "kb-row";
      row.forEach(function (b) {
        var el = document.createElement("button"); el.type = "button";
        var label = typeof b === "string" ? b : b.text;
        el.textContent = label;
        el.addEventListener("click", function () { self.act("say", {text: label}); });
        line.appendChild(el);
      });
      keyboard.appendChild(line);
    });
    list.scrollTop = list.scrollHeight;
  };

  var chats = {left: new Chat("left"), right: new Chat("right")};
  function refreshAll() { return Promise.all([chats.left.refresh(), chats.right.refresh()]); }
  document.querySelectorAll("[data-open]").forEach(function (button) {
    button.addEventListener("click", function () {
      var side = button.dataset.open, value = document.getElementById("pick-" + side).value;
      if (value) chats[side].open(value);
    });
  });
  var params = new URLSearchParams(location.search);
  if (params.get("as")) chats.left.open(params.get("as"));
  if (params.get("with")) chats.right.open(params.get("with"));
  setInterval(refreshAll, 2000);
})();
