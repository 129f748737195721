/* Tillit's notification bell, served with widget.js: <span data-tillit-bell></span>.
 * A button with the unread count (in the style of the like button) that opens the newest
 * notifications, grouped ("Kari og 4 andre likte …"), each with its time in the page's language
 * ("for 2 timer siden"), each giver's personal message with a Bra! under its entry, and "mark all
 * as read" while something is unread. Escape closes the panel and puts focus back on the bell. The
 * count refreshes every minute and on document.dispatchEvent(new Event("tillit:refresh")).
 *
 * An entry links to the thing it is about when the host says where that kind of thing lives, one
 * attribute per target kind, {id} standing for the thing's id (URL-encoded):
 *   <span data-tillit-bell data-tillit-link-article="/news/{id}" data-tillit-link-idea="/ideas/{id}"></span>
 * Kinds without an attribute stay plain text: Tillit does not know the intranet's addresses. */
(function () {
  "use strict";
  var core = window.TillitCore(document.currentScript), el = core.el;
  function texts(_, ngettext) {
    return {label: _("Notifications"), none: _("Notifications: none unread"), empty: _("No notifications yet."),
            all: _("Mark all as read"),
            unread: function (n) { return ngettext("Notifications: {n} unread", "Notifications: {n} unread", n); }};
  }
  var bells = 0;

  /* "for 2 timer siden": the largest unit that fits, in the page's language (Intl.RelativeTimeFormat). */
  var UNITS = [["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400], ["hour", 3600],
               ["minute", 60], ["second", 1]];
  function ago(lang, iso, now) {
    var seconds = (Date.parse(iso) - now) / 1000;
    var format = new Intl.RelativeTimeFormat(lang, {numeric: "auto"});
    for (var i = 0; i < UNITS.length - 1; i++) {
      if (Math.abs(seconds) >= UNITS[i][1]) return format.format(Math.round(seconds / UNITS[i][1]), UNITS[i][0]);
    }
    return format.format(Math.abs(seconds) < 45 ? 0 : Math.round(seconds / 60), Math.abs(seconds) < 45 ? "second" : "minute");
  }
  function exact(lang, iso) {
    return new Date(iso).toLocaleString(lang, {dateStyle: "long", timeStyle: "short"});
  }

  /* The host's address for a ref "kind:id", or null (see data-tillit-link-<kind> above). */
  function linkFor(holder, ref) {
    var at = ref.indexOf(":"), template = holder.getAttribute("data-tillit-link-" + ref.slice(0, at));
    return template ? template.replace(/\{id\}/g, encodeURIComponent(ref.slice(at + 1))) : null;
  }

  var json = core.json;

  function bell(holder) {
    var lang = core.language(holder), t = core.texts(holder, texts), id = "tillit-bell-" + (++bells);
    var button = el("button", {type: "button", "class": "tillit-button tillit-bell", "aria-expanded": "false",
                               "aria-controls": id});
    var badge = el("span", {"class": "tillit-badge tillit-badge--danger", "aria-hidden": "true"});
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
      /* The panel opens on what it showed last and is redrawn when the fresh list arrives: someone
         who tabbed into it meanwhile keeps focus inside it (on its first link or button), so
         Escape still closes it and focus is never dropped on the page's body. */
      var focused = panel.contains(document.activeElement);
      panel.innerHTML = "";
      var list = el("ul", {"class": "tillit-notes"});
      var now = Date.now();
      body.items.forEach(function (item) {
        var li = el("li", {"class": item.read ? "tillit-note" : "tillit-note tillit-unread"});
        var href = linkFor(holder, item.ref);
        li.append(href ? el("a", {href: href, "class": "tillit-note-text"}, item.text)
                       : el("span", {"class": "tillit-note-text"}, item.text));
        (item.messages || []).forEach(function (m) {  /* people's own words: text, never markup */
          li.append(el("p", {"class": "tillit-note-message"}, m.text));
        });
        li.append(el("time", {datetime: item.at, title: exact(lang, item.at), "class": "tillit-muted"}, ago(lang, item.at, now)));
        list.append(li);
      });
      if (!body.items.length) panel.append(el("p", {}, t.empty));
      var all = el("button", {type: "button", "class": "tillit-button"}, t.all);
      var status = el("p", {"class": "tillit-status tillit-error", role: "status"});
      all.addEventListener("click", function () {
        json("POST", "/v1/notifications/read", {all: true}).then(function (b) {
          show(b.unread);
          status.textContent = "";
          Array.prototype.forEach.call(list.children, function (li) { li.classList.remove("tillit-unread"); });
          if (!b.unread) { all.remove(); button.focus(); }  /* focus must not vanish with the button */
        }, function (failure) { status.textContent = core.problem(holder, failure); });
      });
      panel.append(list);
      if (body.unread) panel.append(all);  /* nothing to mark: no button that does nothing */
      panel.append(status);
      if (focused) (panel.querySelector("a, button") || button).focus();
    }
    /* On a phone the bell may sit right of the middle: move the panel left so it stays on screen. */
    function fit() {
      panel.style.left = "";
      var room = document.documentElement.clientWidth - 8, box = panel.getBoundingClientRect();
      if (box.right > room) panel.style.left = -Math.min(box.right - room, box.left - 8) + "px";
    }
    holder.addEventListener("keydown", function (e) {
      if (e.key !== "Escape" || button.getAttribute("aria-expanded") !== "true") return;
      button.setAttribute("aria-expanded", "false");
      panel.hidden = true;
      button.focus();
    });
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") === "true";
      button.setAttribute("aria-expanded", String(!open));
      panel.hidden = open;
      if (!open) fit();
      if (!open) json("GET", "/v1/notifications?per_page=10&lang=" + lang).then(render, function (failure) {
        panel.textContent = core.problem(holder, failure);
      });
    });
    count();
    setInterval(count, 60000);
    document.addEventListener("tillit:refresh", count);
  }

  function start() {
    /* :where() keeps specificity at zero, so any host rule wins; colours from the design system. */
    window.TillitCore.style("bell", [
      ":where(.tillit-bell-holder){position:relative}",
      ":where(.tillit-bell .tillit-badge:empty){display:none}",
      ":where(.tillit-bell-panel){position:absolute;z-index:10;top:100%;left:0;margin-top:var(--tillit-space);",
      "background:var(--tillit-bg);color:var(--tillit-text);border:1px solid var(--tillit-border);",
      "border-radius:var(--tillit-radius);box-shadow:0 4px 16px rgba(0,0,0,.2);padding:var(--tillit-space) calc(var(--tillit-space) * 2);",
      "width:min(24em, calc(100vw - 2rem));box-sizing:border-box}",
      ":where(.tillit-notes){list-style:none;padding:0;margin:0 0 var(--tillit-space)}",
      ":where(.tillit-note){display:flex;flex-direction:column;gap:calc(var(--tillit-space) * .25);",
      "padding:var(--tillit-space) 0;border-bottom:1px solid var(--tillit-border)}",
      ":where(.tillit-note a){color:var(--tillit-accent)}",
      ":where(.tillit-note time){font-size:var(--tillit-size-s)}",
      ":where(.tillit-note-message){margin:0;font-style:italic;overflow-wrap:anywhere}",
      ":where(.tillit-unread .tillit-note-text){font-weight:700}",
      ":where(.tillit-unread){box-shadow:inset 3px 0 0 var(--tillit-accent);padding-inline-start:var(--tillit-space)}"
    ].join(""));
    Array.prototype.forEach.call(document.querySelectorAll("[data-tillit-bell]"), bell);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
