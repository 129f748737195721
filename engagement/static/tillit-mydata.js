/* "What Tillit knows about me", served with widget.js: <section data-tillit-my-data></section>.
 * Everything Tillit holds about the person whose token the page has (GET /v1/me/data), grouped
 * by what it is for, each table with a caption and column headers, and the same data to download
 * as JSON or CSV. data-tillit-heading="3" makes its headings h3 and h4 (default h2 and h3), to fit
 * the host page's outline. */
(function () {
  "use strict";
  var core = window.TillitCore(document.currentScript), el = core.el;
  function texts(_, ngettext) {
    return {title: _("What Tillit knows about you"),
            intro: _("This is everything Tillit holds about you, grouped by what it is used for."),
            json: _("Download JSON"), csv: _("Download CSV"), loading: _("Loading your data…"),
            down: _("Your data is unavailable right now."), basis: _("Legal basis"), kept: _("Kept"),
            nothing: _("Tillit holds nothing about you here."), yes: _("Yes"), no: _("No"),
            emptyTitle: _("Where Tillit holds nothing about you"),
            rows: function (n) { return ngettext("{n} row", "{n} rows", n); },
            domains: {
              directory: [_("Your directory entry"),
                          _("Your name, team, role and e-mail address as the intranet sent them, so that names and teams can be shown.")],
              recognition: [_("Likes and Bra!"),
                            _("Likes and Bra! you gave and received, so that you and your colleagues can see them.")],
              ideas: [_("Ideas and comments"),
                      _("Ideas you submitted, supported or commented on in idea campaigns.")],
              profiles: [_("Your profile"), _("Which profile fields you have filled in, to show your profile progress.")],
              awards: [_("Monthly awards"), _("What counts toward the monthly awards, and their results.")],
              trust: [_("Trust signals"),
                      _("What you did, counted per team and day for the trust report. The report never shows any person.")],
              notifications: [_("Notifications"), _("Notifications to you and your choices about them.")],
              ownership: [_("What you own"), _("Articles and other content you own, so that reactions to them reach you.")],
              ledger: [_("Event log"),
                       _("The events the intranet sent about what you did, kept so that every count can be rebuilt.")],
              privacy: [_("Reads of your data"), _("When the data protection officer read your data, and in which format.")]
            }};
  }

  /* A file from the API: the token goes in a header, so a plain link cannot fetch it. */
  function save(path, name) {
    return core.call("GET", path).then(function (r) {
      if (!r.ok) throw {status: r.status};
      return r.blob();
    }, function (e) { throw e && e.status ? e : {status: 0}; }).then(function (blob) {
      var link = el("a", {href: URL.createObjectURL(blob), download: name});
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
    });
  }

  var captions = 0;
  var SHORT = 24;  /* a cell this short stays on one line; the table scrolls sideways instead */

  function sentence(text) { return text.charAt(0).toUpperCase() + text.slice(1); }

  function words(name) { return name.replace(/_/g, " ").replace(/^./, function (c) { return c.toUpperCase(); }); }

  var MOMENT = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?Z$/;
  /* Where the person most likely looks first; the event log, the most technical, last. */
  var ORDER = ["directory", "recognition", "ideas", "profiles", "awards", "notifications", "ownership", "trust",
               "privacy", "ledger"];

  function cell(value, t, lang) {
    if (value === null || value === undefined || value === "") return "–";
    if (typeof value === "string" && MOMENT.test(value)) {
      return new Date(value).toLocaleString(lang === "en" ? "en-GB" : lang, {dateStyle: "medium", timeStyle: "short"});
    }
    if (value === true) return t.yes;
    if (value === false) return t.no;
    /* a space after each comma between members, so a long document can wrap between them */
    return typeof value === "object" ? JSON.stringify(value).replace(/,(?=["{\[])/g, ", ") : String(value);
  }

  /* One table of rows: a caption (what it is for and how many rows), a header per column, and a
     scrollable region the keyboard can reach when it is wider than the page. */
  function rowsTable(table, t) {
    var columns = [];
    table.rows.forEach(function (row) {
      Object.keys(row).forEach(function (k) { if (columns.indexOf(k) < 0) columns.push(k); });
    });
    var grid = el("table", {"class": "tillit-data-table"});
    /* The inventory's words are English (the docs translate them): marked so, a screen reader reads them right. */
    var caption = el("caption", {id: "tillit-data-caption-" + (++captions)});
    caption.append(el("span", {lang: "en"}, sentence(table.purpose)), " (" + t.rows(table.rows.length) + ")");
    var head = el("tr");
    columns.forEach(function (c) { head.append(el("th", {scope: "col"}, words(c))); });
    var body = el("tbody");
    table.rows.forEach(function (row) {
      var tr = el("tr");
      columns.forEach(function (c) {
        var text = cell(row[c], t, t.lang);
        tr.append(el("td", text.length <= SHORT ? {"class": "tillit-data-short"} : {}, text));
      });
      body.append(tr);
    });
    var thead = el("thead");
    thead.append(head);
    grid.append(caption, thead, body);
    var scroller = el("div", {"class": "tillit-data-scroll", tabindex: "0", role: "region",
                              "aria-labelledby": caption.id});
    scroller.append(grid);
    var facts = el("p", {"class": "tillit-data-facts"});
    facts.append(t.basis + ": ", el("span", {lang: "en"}, table.legal_basis), el("br"),
                 t.kept + ": ", el("span", {lang: "en"}, table.retention));
    return [scroller, facts];
  }

  function render(holder, body, t, level) {
    var byDomain = {}, order = [];
    body.tables.forEach(function (table) {
      if (!byDomain[table.domain]) { byDomain[table.domain] = []; order.push(table.domain); }
      byDomain[table.domain].push(table);
    });
    function rank(domain) { var i = ORDER.indexOf(domain); return i < 0 ? ORDER.length - 1.5 : i; }  /* unknown: just before the log */
    order.sort(function (a, b) { return rank(a) - rank(b); });
    var empty = [], content = el("div");
    order.forEach(function (domain) {
      var held = byDomain[domain].filter(function (table) { return table.rows.length; });
      var about = t.domains[domain] || [words(domain), ""];
      if (!held.length) { empty.push(about[0]); return; }
      var id = "tillit-data-" + domain.replace(/\W/g, "-");
      var section = el("section", {"class": "tillit-data-domain", "aria-labelledby": id});
      section.append(el("h" + (level + 1), {id: id}, about[0]));
      if (about[1]) section.append(el("p", {}, about[1]));
      held.forEach(function (table) { section.append.apply(section, rowsTable(table, t)); });
      content.append(section);
    });
    if (empty.length) {
      var none = el("section", {"class": "tillit-data-domain", "aria-labelledby": "tillit-data-none"});
      var list = el("ul");
      empty.forEach(function (name) { list.append(el("li", {}, name)); });
      none.append(el("h" + (level + 1), {id: "tillit-data-none"}, t.emptyTitle), list);
      content.append(none);
    }
    holder.querySelector(".tillit-data-status").textContent = "";
    holder.append(content);
    holder.dataset.state = "ready";
  }

  function widget(holder) {
    var t = core.texts(holder, texts), level = Number(holder.getAttribute("data-tillit-heading")) || 2;
    t.lang = core.language(holder);
    holder.classList.add("tillit", "tillit-my-data");
    var status = el("p", {"class": "tillit-data-status", role: "status"}, t.loading);
    var json = el("button", {type: "button", "class": "tillit-button"}, t.json);
    var csv = el("button", {type: "button", "class": "tillit-button"}, t.csv);
    var actions = el("p", {"class": "tillit-data-actions"});
    json.disabled = csv.disabled = true;  /* until the data is there: a click before would do nothing */
    actions.append(json, " ", csv);
    holder.append(el("h" + level, {}, t.title), el("p", {}, t.intro), actions, status);
    core.json("GET", "/v1/me/data").then(function (body) {
      var file = "tillit-" + body.person.replace(/[^A-Za-z0-9._-]/g, "_");  /* as the server names it */
      var failed = function (failure) {
        holder.querySelector(".tillit-data-status").textContent = core.problem(holder, failure, {down: t.down});
      };
      json.addEventListener("click", function () { save("/v1/me/data?download=true", file + ".json").catch(failed); });
      csv.addEventListener("click", function () { save("/v1/me/data?format=csv", file + ".csv").catch(failed); });
      json.disabled = csv.disabled = false;
      render(holder, body, t, level);
    }, function (failure) {
      status.textContent = core.problem(holder, failure, {down: t.down});
      actions.hidden = true;  /* nothing to download */
      holder.dataset.state = "offline";
    });
  }

  function start() {
    /* :where() keeps specificity at zero, so any host rule wins; colours from the design system. */
    window.TillitCore.style("my-data", [
      ":where(.tillit-my-data){display:block}",
      ":where(.tillit-data-actions){display:flex;flex-wrap:wrap;gap:var(--tillit-space)}",
      ":where(.tillit-data-scroll){overflow-x:auto;margin:var(--tillit-space) 0}",
      ":where(.tillit-data-table){border-collapse:collapse;font-size:var(--tillit-size-s);width:100%}",
      ":where(.tillit-data-table caption){text-align:start;font-weight:600;padding:calc(var(--tillit-space) * .5) 0}",
      ":where(.tillit-data-table th, .tillit-data-table td){border:1px solid var(--tillit-border);",
      "padding:calc(var(--tillit-space) * .5) var(--tillit-space);text-align:start;vertical-align:top;min-width:4em;",
      "max-width:28em;overflow-wrap:break-word}",
      ":where(.tillit-data-table th){background:var(--tillit-surface)}:where(.tillit-data-short){white-space:nowrap}",
      ":where(.tillit-data-facts){color:var(--tillit-muted);font-size:var(--tillit-size-s);margin:.2em 0 1.2em}",
      ":where(.tillit-data-domain){border-top:1px solid var(--tillit-border);margin-top:calc(var(--tillit-space) * 2)}"
    ].join(""));
    Array.prototype.forEach.call(document.querySelectorAll("[data-tillit-my-data]"), widget);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
