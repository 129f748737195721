/* Tillit's notification bell, served with widget.js: <span data-tillit-bell></span>.
 * A button with the unread count (in the style of the like button) that opens the newest
 * notifications, grouped ("Kari og 4 andre likte …"), with "mark all as read". The count
 * refreshes every minute and on document.dispatchEvent(new Event("tillit:refresh")). */
(function () {
  "use strict";
  var core = window.TillitCore(document.currentScript), el = core.el;
  function texts(_, ngettext) {
    return {label: _("Notifications"), none: _("Notifications: none unread"), empty: _("No notifications yet."),
            all: _("Mark all as read"),
            unread: function (n) { return ngettext("Notifications: {n} unread", "Notifications: {n} unread", n); }};
  }
  var bells = 0;

  var json = core.json;

  function bell(holder) {
    var lang = core.language(holder), t = core.texts(holder, texts), id = "tillit-bell-" + (++bells);
    var button = el("button", {type: "button", "class": "tillit-button tillit-bell", "aria-expanded": "false",
                               "aria-controls": id});
    var badge = el("span", {"class": "tillit-badge", "aria-hidden": "true"});
    button.append(el("span", {"aria-hidden": "true"}, t.label), badge);
    var panel = el("div", {id: id, "class": "tillit-bell-panel", role: "region", "aria-label": t.label, hidden: ""});
    holder.classList.add("tillit", "tillit-bell-holder");
    holder.append(button, panel);

    function show(n) {
      badge.textContent = n ? String(n) : "";
      button.setAttribute("aria-label", n ? t.unread(n) : t.none);
      holder.dataset.unread = String(n);
    }
    function count() {
      json("GET", "/v1/notifications/unread-count").then(function (b) { show(b.unread); holder.dataset.state = "ready"; },
        function (failure) {  /* the button stays; what went wrong is its tooltip and its label */
          holder.dataset.state = "offline";
          button.title = core.problem(holder, failure);
          button.setAttribute("aria-label", t.label + ": " + button.title);
        });
    }
    function render(body) {
      panel.innerHTML = "";
      var list = el("ul", {"class": "tillit-notes"});
      body.items.forEach(function (item) {
        list.append(el("li", {"class": item.read ? "tillit-note" : "tillit-note tillit-unread"}, item.text));
      });
      if (!body.items.length) panel.append(el("p", {}, t.empty));
      var all = el("button", {type: "button", "class": "tillit-button"}, t.all);
      var status = el("p", {"class": "tillit-status", role: "status"});
      all.addEventListener("click", function () {
        json("POST", "/v1/notifications/read", {all: true}).then(function (b) {
          show(b.unread);
          status.textContent = "";
          Array.prototype.forEach.call(list.children, function (li) { li.classList.remove("tillit-unread"); });
        }, function (failure) { status.textContent = core.problem(holder, failure); });
      });
      panel.append(list, all, status);
    }
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") === "true";
      button.setAttribute("aria-expanded", String(!open));
      panel.hidden = open;
      if (!open) json("GET", "/v1/notifications?per_page=10&lang=" + lang).then(render, function (failure) {
        panel.textContent = core.problem(holder, failure);
      });
    });
    count();
    setInterval(count, 60000);
    document.addEventListener("tillit:refresh", count);
  }

  function start() {
    if (!document.getElementById("tillit-bell-style")) {
      var style = document.createElement("style");
      style.id = "tillit-bell-style";
      /* :where() keeps specificity at zero, so any host rule wins. */
      style.textContent =
        ":where(.tillit-bell-holder){position:relative}" +
        ":where(.tillit-badge:not(:empty)){margin-left:.4em;background:#a4161a;color:#fff;border-radius:1em;" +
        "padding:0 .45em;font-weight:bold;font-size:.85em}" +
        ":where(.tillit-bell-panel){position:absolute;z-index:10;top:100%;left:0;margin-top:.4em;background:#fff;color:#1d1d1f;" +
        "border:1px solid #c9d1d9;border-radius:.5em;box-shadow:0 4px 12px rgba(0,0,0,.15);padding:.6em 1em;width:22em}" +
        ":where(.tillit-notes){list-style:none;padding:0;margin:0 0 .6em}" +
        ":where(.tillit-note){padding:.35em 0;border-bottom:1px solid #e5e9ee}:where(.tillit-unread){font-weight:bold}";
      document.head.appendChild(style);
    }
    Array.prototype.forEach.call(document.querySelectorAll("[data-tillit-bell]"), bell);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
