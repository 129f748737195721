/* "What Tillit knows about me", served with widget.js: <section data-tillit-my-data></section>.
 * Everything Tillit holds about the person whose token the page has (GET /v1/me/data), in the
 * page's language: first what a person recognises as theirs (profile, recognition, ideas,
 * notifications, awards) as readable tables with dates in the page's locale, then every stored
 * table grouped by what it is for, closed until asked for. The same data downloads as JSON (the
 * machine-readable copy) or CSV. data-tillit-heading="3" makes its headings h3 to h5 (default h2
 * to h4), to fit the host page's outline. */
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
            tables: function (n) { return ngettext("Show {n} stored table", "Show {n} stored tables", n); },
            everything: _("Everything, as stored"),
            everythingIntro: _("The same data table by table, as Tillit stores it. Column names and the legal texts are in English."),
            why: _("Legal basis and how long it is kept"),
            sections: {profile: _("About you"), recognition: _("Likes and Bra!"), ideas: _("Ideas and comments"),
                       notifications: _("Notifications"), awards: _("Monthly awards")},
            views: {
              people: _("Your directory entry"), memberships: _("Your teams"), completion: _("Profile completeness"),
              fields: _("Profile fields you have filled in"), counts: _("Recognition in numbers"),
              liked: _("What you liked"), bra: _("Bra! given and received"), content: _("Reactions to your content"),
              ideas: _("Your ideas"), contributions: _("Your contributions to ideas"),
              notes: _("Your notifications"), prefs: _("Your notification choices"), scores: _("Your award scores")},
            columns: {name: _("Name"), email: _("E-mail"), team: _("Team"), role: _("Role"), department: _("Department"),
                      language: _("Language"), active: _("Active"), from: _("From"), to: _("To"),
                      percent: _("Complete"), field: _("Field"), filled: _("Filled in"), changed: _("Changed"),
                      kind: _("Kind"), given: _("Given"), received: _("Received"), what: _("What"), liked: _("Liked"),
                      when: _("When"), giver: _("From"), recipient: _("To"), about: _("About"), likes: _("Likes"),
                      comments: _("Comments"), kudos: _("Bra!"), title: _("Title"), status: _("Status"),
                      answer: _("Answer"), text: _("Text"), digest: _("Digest e-mail"), quiet: _("Quiet hours"),
                      month: _("Month"), category: _("Category"), score: _("Score")},
            /* what a recognition count or a notification is about */
            kinds: {like: _("Likes"), comment: _("Comments"), kudos: _("Bra!"), contribution: _("Contributions"),
                    answer: _("Answers"), adopted: _("Adopted ideas")},
            roles: {member: _("Employee"), leader: _("Leader"), communications: _("Communications staff")},
            categories: {contributor: _("Contributor of the month"),
                         idea_developer: _("Best developer of other people's ideas"),
                         appreciated: _("Most appreciated colleague")},
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
              privacy: [_("Reads of your data"), _("When the data protection officer read your data, and in which format.")],
              webhooks: [_("Messages to other systems"),
                         _("Messages about you that Tillit sent to the intranet or to a chat channel.")]
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

  /* a moment without a zone is UTC, as Tillit stores every moment */
  var MOMENT = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)?$/, DAY = /^\d{4}-\d\d-\d\d$/,
      MONTH = /^\d{4}-\d\d$/;
  /* Where the person most likely looks first; the event log, the most technical, last. */
  var ORDER = ["directory", "recognition", "ideas", "profiles", "awards", "notifications", "ownership", "trust",
               "privacy", "webhooks", "ledger"];

  function locale(lang) { return lang === "en" ? "en-GB" : lang; }

  /* A moment, a day or a month in the page's locale, as a <time> that keeps the machine's form;
     a day or a month is a calendar date, read in UTC so that no time zone moves it. */
  function when(value, lang) {
    var options = MOMENT.test(value) ? {dateStyle: "medium", timeStyle: "short"}
      : DAY.test(value) ? {dateStyle: "medium", timeZone: "UTC"} : {year: "numeric", month: "long", timeZone: "UTC"};
    var date = new Date(MONTH.test(value) ? value + "-01T00:00:00Z" : DAY.test(value) ? value + "T00:00:00Z"
      : /(Z|[+-]\d\d:\d\d)$/.test(value) ? value : value + "Z");
    return el("time", {datetime: value}, date.toLocaleString(locale(lang), options));
  }

  /* A value as a person reads it: dates in the locale, yes and no, a document as its members
     (one per line, "name: value"), never as JSON. */
  function cell(value, t) {
    if (value === null || value === undefined || value === "") return "–";
    if (typeof value === "string" && (MOMENT.test(value) || DAY.test(value) || MONTH.test(value))) return when(value, t.lang);
    if (value === true) return t.yes;
    if (value === false) return t.no;
    if (Array.isArray(value)) {
      return value.every(function (v) { return typeof v !== "object" || v === null; })
        ? value.map(function (v) { return v === null ? "–" : String(v); }).join(", ") : members(value, t);
    }
    return typeof value === "object" ? members(value, t) : String(value);
  }

  function members(value, t) {
    var list = el("ul", {"class": "tillit-data-members"});
    Object.keys(value).forEach(function (key) {
      var item = el("li"), inner = cell(value[key], t);
      item.append(Array.isArray(value) ? "" : words(key) + ": ", inner);
      list.append(item);
    });
    return list;
  }

  function put(td, content) {
    if (typeof content === "string") td.textContent = content; else td.append(content);
    if (typeof content === "string" && content.length <= SHORT || content.tagName === "TIME") td.className = "tillit-data-short";
  }

  /* A named table with a header per column (or, for one record of many fields, a header per row,
     so that it fits a phone), in a region the keyboard can scroll when it is wider than the page.
     Its name stands above the region, not in a <caption>, which would scroll out of sight with a
     wide table. ``columns``: [header, value of a row, lang of the header or undefined]. */
  function grid(caption, rows, columns, t) {
    var name = el("p", {"class": "tillit-data-caption", id: "tillit-data-caption-" + (++captions)});
    name.append(caption, " (" + t.rows(rows.length) + ")");
    var table = el("table", {"class": "tillit-table tillit-data-table", "aria-labelledby": name.id});
    var body = el("tbody");
    function header(c, scope) { return el("th", c[2] ? {scope: scope, lang: c[2]} : {scope: scope}, c[0]); }
    function data(c, row) { var td = el("td"); put(td, cell(c[1](row), t)); return td; }
    if (rows.length === 1 && columns.length > 3) {
      table.classList.add("tillit-data-record");
      columns.forEach(function (c) { var tr = el("tr"); tr.append(header(c, "row"), data(c, rows[0])); body.append(tr); });
      table.append(body);
    } else {
      var head = el("tr"), thead = el("thead");
      columns.forEach(function (c) { head.append(header(c, "col")); });
      rows.forEach(function (row) {
        var tr = el("tr");
        columns.forEach(function (c) { tr.append(data(c, row)); });
        body.append(tr);
      });
      thead.append(head);
      table.append(thead, body);
    }
    var scroller = el("div", {"class": "tillit-data-scroll", tabindex: "0", role: "region", "aria-labelledby": name.id});
    scroller.append(table);
    var both = document.createDocumentFragment();
    both.append(name, scroller);
    return both;
  }

  function column(name) { return function (row) { return row[name]; }; }
  function target(row) { return row.target_kind + ": " + row.target_id; }

  /* Names the export itself holds, by id: the person's own directory entry, and people a message
     that left Tillit (a public Bra!: "from" and "to") or a frozen award result names with their
     id. Nobody's name is fetched to show it: where the export holds none, the id stays. */
  function namesIn(body) {
    var names = {};
    function walk(value, key) {
      if (!value || typeof value !== "object") return;
      var id = typeof value.person === "string" ? value.person
        : (key === "from" || key === "to") && typeof value.id === "string" ? value.id : null;
      if (id && typeof value.name === "string" && value.name) names[id] = value.name;
      Object.keys(value).forEach(function (k) { walk(value[k], k); });
    }
    function parsed(text) { try { return JSON.parse(text); } catch (e) { return null; } }
    body.tables.forEach(function (table) {
      table.rows.forEach(function (row) {
        if (table.table === "engagement_webhook_messages") walk(parsed(row.body));
        if (table.table === "engagement_award_snapshots") walk(row.result);
      });
    });
    (body.tables.filter(function (t) { return t.table === "engagement_people"; })[0] || {rows: []}).rows
      .forEach(function (row) { if (row.id === body.person && row.name) names[row.id] = row.name; });
    return names;
  }

  /* A person by name where the export holds it, else by id; "person:kari" as the person too, and
     any other reference as a target reads ("article: news-42"). */
  function naming(names) {
    function who(id) { return id && names[id] || id; }
    return {
      who: function (name) { return function (row) { return who(row[name]); }; },
      ref: function (name) {
        return function (row) {
          var value = row[name], person = /^person:(.+)$/.exec(value || "");
          return person ? who(person[1]) : typeof value === "string" ? value.replace(/^(\w+):/, "$1: ") : value;
        };
      }
    };
  }
  /* "nb" as the page's language names it ("norsk bokmål", "Norwegian Bokmål"). */
  function languageName(code, lang) {
    if (!code || !window.Intl || !Intl.DisplayNames) return code;
    try { return new Intl.DisplayNames([locale(lang)], {type: "language"}).of(code) || code; } catch (e) { return code; }
  }
  function kindOf(t) { return function (row) { return t.kinds[row.kind] || row.kind; }; }

  /* The tables a person recognises as theirs, in the section they belong to: [section, table,
     view title, [[column text, value of a row], ...], which rows]. Only the person's own rows:
     another's notification that names them as who liked is theirs too, but shown as stored. */
  function views(t, person, names) {
    var c = t.columns, mine = function (name) { return function (row) { return row[name] === person; }; };
    var by = naming(names);
    return [
      ["profile", "engagement_people", "people", [[c.name, column("name")], [c.email, column("email")],
        [c.team, column("team_id")], [c.role, function (r) { return t.roles[r.role] || r.role; }], [c.department, column("department")],
        [c.language, function (r) { return languageName(r.locale, t.lang); }], [c.active, column("active")]], mine("id")],
      ["profile", "engagement_memberships", "memberships", [[c.team, column("team_id")], [c.from, column("valid_from")],
        [c.to, column("valid_to")]], mine("person_id")],
      ["profile", "engagement_profile_completion", "completion", [[c.percent, function (r) { return r.percent + " %"; }]], mine("person")],
      ["profile", "engagement_profile_fields", "fields", [[c.field, column("field")], [c.filled, column("present")],
        [c.changed, column("updated_at")]], mine("person")],
      ["recognition", "engagement_person_recognition", "counts", [[c.kind, kindOf(t)], [c.given, column("given")],
        [c.received, column("received")]], mine("person")],
      ["recognition", "engagement_like_states", "liked", [[c.what, target], [c.liked, column("liked")],
        [c.when, column("changed_at")]], mine("person")],
      /* kept once per read model that counts it; the recognition model's row is the Bra! itself */
      ["recognition", "engagement_kudos_firsts", "bra", [[c.giver, by.who("giver")], [c.recipient, by.who("recipient")],
        [c.about, by.ref("about")], [c.when, column("at")]], function (row) { return row.model === "recognition"; }],
      ["recognition", "engagement_target_stats", "content", [[c.what, target], [c.likes, column("likes")],
        [c.comments, column("comments")], [c.kudos, column("kudos")]], mine("owner")],
      ["ideas", "engagement_ideas", "ideas", [[c.title, column("title")],
        [c.status, function (r) { return t.status[r.status] || r.status; }], [c.when, column("submitted_at")],
        [c.answer, column("answer")]], mine("author")],
      ["ideas", "engagement_contributions", "contributions", [[c.text, column("text")], [c.when, column("contributed_at")]],
        mine("author")],
      ["notifications", "engagement_notifications", "notes", [[c.kind, kindOf(t)], [c.about, by.ref("ref")],
        [c.when, column("last_at")]], mine("person")],
      ["notifications", "engagement_notify_preferences", "prefs", [[c.digest, column("digest")],
        [c.quiet, function (r) { return r.quiet_start && r.quiet_end ? r.quiet_start + "–" + r.quiet_end : null; }]], mine("person")],
      ["awards", "engagement_award_scores", "scores", [[c.month, column("month")], [c.category, function (r) { return t.categories[r.category] || r.category; }],
        [c.score, column("score")]], mine("person")]
    ];
  }

  /* The readable part: a section per kind of data the person has, each view a table. */
  function overview(body, t, level) {
    var byTable = {}, sections = {}, order = [];
    body.tables.forEach(function (table) { byTable[table.table] = table.rows; });
    views(t, body.person, namesIn(body)).forEach(function (view) {
      var rows = (byTable[view[1]] || []).filter(view[4] || function () { return true; });
      if (!rows.length) return;
      if (!sections[view[0]]) {
        var id = "tillit-data-about-" + view[0];
        sections[view[0]] = el("section", {"class": "tillit-data-section", "aria-labelledby": id});
        sections[view[0]].append(el("h" + (level + 1), {id: id}, t.sections[view[0]]));
        order.push(view[0]);
      }
      sections[view[0]].append(grid(t.views[view[2]], rows, view[3], t));
    });
    return order.map(function (name) { return sections[name]; });
  }

  /* One stored table as it is: its purpose as caption, the column names as headers (English, and
     marked so, that a screen reader reads them right), and why and how long it is kept. */
  function rowsTable(table, t) {
    var names = [];
    table.rows.forEach(function (row) {
      Object.keys(row).forEach(function (k) { if (names.indexOf(k) < 0) names.push(k); });
    });
    var caption = el("span", {lang: "en"}, sentence(table.purpose));
    var scroller = grid(caption, table.rows, names.map(function (n) { return [words(n), column(n), "en"]; }), t);
    var facts = el("details", {"class": "tillit-data-facts"});
    var said = el("p");
    said.append(t.basis + ": ", el("span", {lang: "en"}, table.legal_basis), el("br"),
                t.kept + ": ", el("span", {lang: "en"}, table.retention));
    facts.append(el("summary", {}, t.why), said);
    return [scroller, facts];
  }

  /* The complete part: a section per purpose, its tables closed until asked for. */
  function stored(body, t, level) {
    var byDomain = {}, order = [];
    body.tables.forEach(function (table) {
      if (!byDomain[table.domain]) { byDomain[table.domain] = []; order.push(table.domain); }
      byDomain[table.domain].push(table);
    });
    function rank(domain) { var i = ORDER.indexOf(domain); return i < 0 ? ORDER.length - 1.5 : i; }  /* unknown: just before the log */
    order.sort(function (a, b) { return rank(a) - rank(b); });
    var all = el("section", {"class": "tillit-data-section", "aria-labelledby": "tillit-data-all"});
    all.append(el("h" + (level + 1), {id: "tillit-data-all"}, t.everything), el("p", {}, t.everythingIntro));
    var empty = [];
    order.forEach(function (domain) {
      var held = byDomain[domain].filter(function (table) { return table.rows.length; });
      var about = t.domains[domain] || [words(domain), ""];
      if (!held.length) { empty.push(about[0]); return; }
      var id = "tillit-data-" + domain.replace(/\W/g, "-");
      /* not a landmark: its name would repeat the readable part's (axe: landmark-unique) */
      var section = el("div", {"class": "tillit-data-domain"});
      section.append(el("h" + (level + 2), {id: id}, about[0]));
      if (about[1]) section.append(el("p", {}, about[1]));
      var open = el("details", {"class": "tillit-data-tables"});
      open.append(el("summary", {}, t.tables(held.length)));
      held.forEach(function (table) { open.append.apply(open, rowsTable(table, t)); });
      section.append(open);
      all.append(section);
    });
    if (empty.length) {
      var none = el("div", {"class": "tillit-data-domain"});
      var list = el("ul");
      empty.forEach(function (name) { list.append(el("li", {}, name)); });
      none.append(el("h" + (level + 2), {id: "tillit-data-none"}, t.emptyTitle), list);
      all.append(none);
    }
    return all;
  }

  function render(holder, body, t, level) {
    var content = el("div", {"class": "tillit-data-content"});
    content.append.apply(content, overview(body, t, level));
    content.append(stored(body, t, level));
    holder.querySelector(".tillit-data-status").textContent = "";
    holder.append(content);
    holder.dataset.state = "ready";
  }

  function statusTexts(_) {
    return {new: _("New"), under_review: _("Under review"), adopted: _("Adopted"), not_pursued: _("Not pursued")};
  }

  function widget(holder) {
    var t = core.texts(holder, texts), level = Number(holder.getAttribute("data-tillit-heading")) || 2;
    t.lang = core.language(holder);
    t.status = core.texts(holder, statusTexts);
    holder.classList.add("tillit", "tillit-my-data");
    var status = el("p", {"class": "tillit-data-status", role: "status"}, t.loading);
    var json = el("button", {type: "button", "class": "tillit-button tillit-button--primary"}, t.json);
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
      ":where(.tillit-data-scroll){overflow-x:auto;margin:var(--tillit-space) 0 calc(var(--tillit-space) * 2)}",
      ":where(.tillit-data-table){border-collapse:collapse;font-size:var(--tillit-size-s);width:100%}",
      ":where(.tillit-data-table th, .tillit-data-table td){min-width:4em;max-width:28em;overflow-wrap:break-word}",
      ":where(.tillit-data-short){white-space:nowrap}",
      ":where(.tillit-data-caption){font-weight:600;margin:calc(var(--tillit-space) * 2) 0 0}",
      ":where(.tillit-data-record){width:auto;min-width:min(100%, 24rem)}",
      ":where(.tillit-data-record th[scope=row]){background:var(--tillit-surface);font-weight:600}",
      ":where(.tillit-data-members){list-style:none;margin:0;padding:0}",
      ":where(.tillit-data-facts){color:var(--tillit-muted);font-size:var(--tillit-size-s);margin:0 0 calc(var(--tillit-space) * 2)}",
      ":where(.tillit-data-facts p){margin:.2em 0 0}",
      ":where(.tillit-data-facts > summary, .tillit-data-tables > summary){cursor:pointer;color:var(--tillit-accent);",
      "width:max-content;max-width:100%}",
      ":where(.tillit-data-tables > summary){font-weight:600}",
      ":where(.tillit-data-section){border-top:1px solid var(--tillit-border);margin-top:calc(var(--tillit-space) * 3)}",
      ":where(.tillit-data-domain){margin-top:calc(var(--tillit-space) * 2)}"
    ].join(""));
    Array.prototype.forEach.call(document.querySelectorAll("[data-tillit-my-data]"), widget);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
