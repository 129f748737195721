/* Tillit's console for communications staff, leaders and the operator. No framework, no build step.
 *
 *   <script src="https://tillit.example/v1/console.js" data-token-url="/my/token" defer></script>
 *   <section data-tillit-console data-tillit-awards-url="/leaders/awards"></section>
 *
 * The token modes are those of every Tillit script (data-token, data-token-url, data-token-callback:
 * see tillit-core.js). What is shown follows the person's roles from GET /v1/me; the server decides
 * every call again, and a refusal is said in the page's language:
 *   leader          campaigns (open, close, archive, reopen, summary) and a link to last month's awards
 *   communications  the trust-signal thresholds in force, under the trust dashboard's flag names, and
 *                   pulses: those defined (status, window, answers so far) and a form to define one
 *   admin           the review queue (what was reported, by whom, when, in which campaign), API keys
 *                   (make, revoke, last used; scopes in words, their codes beside) and the audit logs
 *                   (in words, the newest 20 of each and more on asking)
 * data-tillit-awards-url and data-tillit-trust-url link to the host's awards page and trust dashboard;
 * data-tillit-pulse-report-url and data-tillit-pulse-heatmap-url to its pulse results pages.
 * Texts: nb, nn, da or en.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var core = window.TillitCore(script), el = core.el;
  var SCOPES = ["events:write", "reports:read", "awards:manage", "directory:write", "moderation:manage",
                "trust:read", "audit:read", "privacy:read", "webhooks:manage", "keys:manage"];
  var LOCALES = {nb: "nb-NO", nn: "nn-NO", da: "da-DK", en: "en-GB"};

  window.TillitCore.style("console", [
    ":where([data-tillit-console]) :where(h2){font-size:var(--tillit-size-l);margin:0}",
    ":where([data-tillit-console]) :where(h3){font-size:var(--tillit-size-m);margin:0}",
    ":where(.tillit-console-nav){gap:var(--tillit-space)}",
    ":where(.tillit-console-dialog){max-width:min(32rem,calc(100vw - 2rem));border:1px solid var(--tillit-border);",
    "border-radius:var(--tillit-radius);background:var(--tillit-bg);color:var(--tillit-text);",
    "padding:calc(var(--tillit-space) * 3)}",
    ":where(.tillit-console-dialog)::backdrop{background:rgba(0,0,0,.45)}",
    ":where(.tillit-console-scopes){border:none;padding:0;margin:0;display:grid;",
    "grid-template-columns:repeat(auto-fill,minmax(13rem,1fr));gap:calc(var(--tillit-space) / 2)}",
    ":where(.tillit-console-scopes legend){padding:0;margin-bottom:calc(var(--tillit-space) / 2)}",
    ":where([data-tillit-console] .tillit-error:empty){display:none}",
    ":where(.tillit-console-secret){font-family:ui-monospace,monospace;word-break:break-all}",
    ":where(.tillit-console-actions){gap:calc(var(--tillit-space) / 2)}",
    ":where(.tillit-console-list){margin:0;padding-left:calc(var(--tillit-space) * 2.5)}",
    ":where(.tillit-console-list li){margin-bottom:calc(var(--tillit-space) / 2)}",
    ":where(.tillit-console-code){font-family:ui-monospace,monospace;font-size:var(--tillit-size-s);",
    "margin-inline-start:calc(var(--tillit-space) / 2)}",
    ":where(.tillit-console-scope-list){margin:0;padding:0;list-style:none}",
    /* a scope: its box, its words, and its code under the words */
    ":where(.tillit-console-scope){display:grid;grid-template-columns:auto 1fr;align-items:start;align-content:start;",
    "column-gap:calc(var(--tillit-space) / 2)}",
    ":where(.tillit-console-scope) :where(input){margin:.2em 0 0}",
    ":where(.tillit-console-scope) :where(code){grid-column:2;margin:0}",
    ":where(.tillit-console-reported){gap:calc(var(--tillit-space) / 2);max-width:32rem;align-items:flex-start}",
    ":where(.tillit-console-reported) :where(p){margin:0}",
    ":where(.tillit-console-quote){white-space:pre-line;overflow-wrap:anywhere}",
    ":where(.tillit-console-hint){margin:0;font-size:var(--tillit-size-s)}",
    ":where([data-tillit-console] .tillit-badge){white-space:nowrap}",
    /* defining a pulse: choices in fieldsets, the units in a list that scrolls, the window side by side */
    ":where(.tillit-console-choices),:where(.tillit-console-moment){border:none;padding:0;margin:0;",
    "display:flex;flex-direction:column;gap:calc(var(--tillit-space) / 2);min-width:0}",
    ":where(.tillit-console-choices legend),:where(.tillit-console-moment legend){padding:0;font-weight:600;",
    "margin-bottom:calc(var(--tillit-space) / 2)}",
    ":where(.tillit-console-group){font-size:var(--tillit-size-m);margin:var(--tillit-space) 0 0}",
    ":where(.tillit-console-units){list-style:none;margin:0;padding:calc(var(--tillit-space) / 2);max-height:16rem;",
    "overflow-y:auto;border:1px solid var(--tillit-border);border-radius:var(--tillit-radius)}",
    ":where(.tillit-console-units li){padding:calc(var(--tillit-space) / 4) 0}",
    ":where(.tillit-console-path){grid-column:2;font-size:var(--tillit-size-s)}",
    ":where(.tillit-console-window){align-items:flex-start;gap:calc(var(--tillit-space) * 2)}",
    ":where(.tillit-console-window) > *{flex:1 1 16rem}",
    ":where(.tillit-console-moment) :where(.tillit-row){gap:var(--tillit-space);flex-wrap:wrap}",
    /* on a phone every row is a card: each cell under its column's name, nothing to scroll sideways */
    "@media (max-width: 40rem){:where(.tillit-console-table) :where(thead){position:absolute;width:1px;height:1px;",
    "overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}",
    ":where(.tillit-console-table),:where(.tillit-console-table) :where(tbody,tr,td){display:block;width:100%}",
    ":where(.tillit-console-table) :where(tr){border-bottom:1px solid var(--tillit-border);",
    "padding:var(--tillit-space) 0}",
    ":where(.tillit-console-table) :where(td){border:none;padding:calc(var(--tillit-space) / 4) 0}",
    ":where(.tillit-console-table) :where(td[data-label])::before{content:attr(data-label);display:block;",
    "font-size:var(--tillit-size-s);color:var(--tillit-muted)}}"
  ].join(""));

  function texts(_, ngettext) {
    return {
      title: _("Console"), sections: _("Sections"), nothing: _("There is nothing in the console for your roles."),
      loading: _("Loading…"), cancel: _("Cancel"), never: _("Never"), none: _("None"),
      campaigns: _("Campaigns"), open: _("Open a campaign"), question: _("Question"),
      closes: _("Closes (optional)"), closesAt: _("Closes"), dateHint: _("For example {date}"),
      badDate: _("Write the date as in the example, e.g. {date}."), create: _("Open campaign"), status: _("Status"), actions: _("Actions"),
      show: _("Show"), all: _("All"), noCampaigns: _("No campaigns yet."),
      statuses: {open: _("Open"), closed: _("Closed"), archived: _("Archived")},
      summary: _("Summary"), close: _("Close"), archive: _("Archive"), reopen: _("Reopen"),
      closeAsk: _("Close the campaign “{question}”?"),
      closeWhy: _("Colleagues can no longer send ideas or contributions. You can reopen it later."),
      archiveAsk: _("Archive the campaign “{question}”?"),
      archiveWhy: _("It leaves the list of open and closed campaigns. You can reopen it later."),
      idea: _("Idea"), support: _("Support"), contributions: _("Contributions"),
      participants: function (people, teams) {
        return ngettext("{n} person took part", "{n} people took part", people) + " · " +
          ngettext("in {n} team", "in {n} teams", teams);
      },
      /* said positively: never "0 ideas have no answer" */
      unanswered: function (n) {
        return n ? ngettext("{n} idea is waiting for an answer", "{n} ideas are waiting for an answer", n)
                 : _("Every idea has an answer");
      },
      noIdeas: _("No ideas yet."), nobody: _("Nobody has taken part yet."),
      /* TRANSLATORS: an idea's status. */
      ideaStatus: {"new": _("New"), under_review: _("Under review"), adopted: _("Adopted"), not_pursued: _("Not pursued")},
      awards: _("Awards"),
      awardsText: _("The month's winners, finalising and the announcement are on the awards page."),
      awardsRules: _("What counts towards an award is set by the operator in the configuration."),
      /* TRANSLATORS: {month} is a month and year, e.g. "October 2026" */
      awardsLink: _("Open the awards for {month}"), pulses: _("Pulse results"),
      pulsesText: _("When a pulse closes, your team's answers are shown beside your own and your manager's, with questions and actions for the statements that are weakest."),
      pulseReportLink: _("Open your team's pulse results"),
      pulseHeatmapLink: _("Open the pulse results by unit"),
      thresholds: _("Trust thresholds in force"), trustLink: _("Open the trust dashboard"),
      thresholdsText: _("A team gets a flag when its signals pass these limits. The operator sets them."),
      /* the trust dashboard's own flag names (engagement/trust/texts.py): one catalog entry for both */
      flagTitles: {
        low_sharing: _("Little sharing"), declining: _("Sharing is declining"), quiet_leaders: _("Quiet leaders"),
        silo: _("Silo"), one_person: _("Resting on one person"), unanswered_ideas: _("Unanswered ideas")
      },
      /* TRANSLATORS: a trust flag's name, then its rule */
      flagRule: _("{flag}: {rule}"),
      flags: {
        low_sharing: _("fewer than {below} of the members shared anything."),
        declining: _("contributions per member fell by {change} or more, from at least {min_baseline} per member."),
        quiet_leaders: _("fewer than {below} of the team's leaders took part."),
        silo: _("fewer than {below} of the interactions were with other teams (at least {min_interactions} interactions)."),
        one_person: _("the most active person made more than {above} of the contributions (at least {min_contributions})."),
        unanswered_ideas: _("at least {at_least} idea without an answer after {after_days} days.")
      },
      moderation: _("Review queue"),
      moderationText: _("Reported ideas and contributions awaiting a decision. The intranet's moderation tool decides."),
      kind: _("Kind"), item: _("Item"), reporters: _("Reports"), visibility: _("Visibility"),
      hidden: _("Hidden"), visible: _("Visible"), queueEmpty: _("Nothing is waiting for review."),
      kinds: {idea: _("Idea"), contribution: _("Contribution")},
      reported: _("Reported"), writtenBy: _("Written by"), written: _("Written"), campaign: _("Campaign"),
      onIdea: _("On the idea “{idea}”"), gone: _("The item is no longer there."),
      reportsOf: function (n, limit) {
        /* TRANSLATORS: "2 of 3 reports needed to hide it" */
        return fill(ngettext("{reporters} of {limit} report needed to hide it",
                             "{reporters} of {limit} reports needed to hide it", limit), {reporters: n, limit: limit});
      },
      why: _("Why: {reasons}"),
      scopeNames: {
        "events:write": _("Send events for anyone (the intranet's back end)"),
        "reports:read": _("Read reports"),
        "awards:manage": _("Manage awards and finalise months"),
        "directory:write": _("Update people and teams"),
        "moderation:manage": _("Decide on reported ideas and contributions"),
        "trust:read": _("Read the trust report"),
        "audit:read": _("Read the audit logs"),
        "privacy:read": _("Read a person's data (access requests)"),
        "webhooks:manage": _("Manage its own webhooks"),
        "keys:manage": _("Manage API keys")
      },
      keys: _("API keys"), keyName: _("Name of the system"), scopes: _("Scopes"), makeKey: _("Make key"),
      pickScope: _("Choose at least one scope."), nameNeeded: _("Give the key a name."),
      newKey: _("The new key for {name}"),
      newKeyText: _("Copy it now: it is shown only this once."), copy: _("Copy"), copied: _("Copied"),
      prefix: _("Id"), created: _("Made"), lastUsed: _("Last used"), revoked: _("Revoked"), active: _("Active"),
      revoke: _("Revoke"), noKeys: _("No API keys yet."),
      revokeAsk: _("Revoke the key “{name}”?"),
      revokeWhy: _("Systems using it are refused from now on, and its webhook subscriptions stop. This cannot be undone."),
      audit: _("Audit log"), trustViews: _("Views of the trust report"), dataReads: _("Reads of a person's data"),
      at: _("When"), who: _("Who"), unit: _("Team"), view: _("View"), period: _("Period"), person: _("Person"),
      format: _("Format"), noViews: _("No views yet."), noReads: _("No reads yet."), showMore: _("Show more"),
      /* TRANSLATORS: who looked: a person's id, or an API key's name */
      byPerson: _("{id} (person)"), byKey: _("{id} (API key)"),
      views: {json: _("Table"), csv: _("CSV file"), trend: _("Trend over time")},
      /* TRANSLATORS: the trust report posted to a chat channel */
      chat: _("Chat channel {name}"),
      monthsTo: function (n) {
        /* TRANSLATORS: "12 months to October 2026" */
        return ngettext("{n} month to {month}", "{n} months to {month}", n);
      },
      lastDays: function (n) { return ngettext("The last {n} day", "The last {n} days", n); },
      definePulses: _("Pulses"), newPulse: _("Define a pulse"), pulseTitle: _("Title"),
      statementsLegend: _("Statements"),
      statementsText: _("Each is shown as team members read it; leaders answer it about themselves, and their managers about them."),
      leaderStatements: _("Leader statements"), climateStatements: _("Team climate"),
      addOwn: _("Add your own statement"), removeOwn: _("Remove this statement"),
      /* TRANSLATORS: a statement staff write themselves, numbered 1-3 */
      ownStatement: _("Your own statement {n}"),
      ownLanguages: _("Texts in each language (optional)"),
      languageNames: {nb: _("Norwegian Bokmål"), nn: _("Norwegian Nynorsk"), da: _("Danish"), en: _("English")},
      units: _("Units"), findUnit: _("Find a unit"),
      unitsText: _("Everyone in the chosen units and the units under them is asked."),
      opens: _("Opens"), opensHint: _("Left empty: it opens now."), closesPulse: _("Closes"),
      closesHint: _("Answers are shown only after it closes."), date: _("Date"), time: _("Time"),
      freeText: _("Let people write free text"),
      freeTextWarning: _("Off unless you need it: free text can name or give away the person who wrote it."),
      definePulse: _("Define pulse"), pulseList: _("Pulses defined"), noPulses: _("No pulses yet."),
      window: _("Window"), answers: _("Answers so far"),
      /* TRANSLATORS: when a pulse opens and closes, e.g. "1 Dec 2026, 09:00 – 15 Dec 2026, 16:00" */
      windowText: _("{opens} – {closes}"),
      pulseMade: _("The pulse “{title}” is defined."),
      pulseStatuses: {scheduled: _("Scheduled"), open: _("Open"), closed: _("Closed")},
      badMoment: _("Write the date and time as in the example."),
      closesNeeded: _("Give the day and time it closes."),
      fieldErrors: {
        title: _("Give the pulse a title of at most 200 characters."),
        statements: _("Choose at least one statement, at most 30 in all; your own need a text of at most 300 characters."),
        units: _("Choose at least one unit from the list."),
        opens_at: _("Write the date and time as in the example."),
        closes_at: _("It must close after it opens, and in the future."),
        free_text: _("Turn free text on or off."),
        other: _("Check this field.")
      }

    };
  }

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (all, name) { return name in values ? values[name] : all; });
  }

  /* Where day, month and year go in the page's language, from Intl: "31.12.2026" in nb, "31/12/2026" in en-GB. */
  function dateOrder(locale) {
    return new Intl.DateTimeFormat(locale, {day: "2-digit", month: "2-digit", year: "numeric"})
      .formatToParts(new Date(2026, 11, 31)).filter(function (p) { return p.type !== "literal"; })
      .map(function (p) { return p.type; });
  }

  /* A date written as the example says ("24.12.2026", also "24.12.26" or "24/12/2026"), as yyyy-mm-dd. */
  function parseDate(text, order) {
    var numbers = String(text).trim().split(/[^0-9]+/).filter(Boolean);
    if (numbers.length !== 3) return null;
    var parts = {};
    order.forEach(function (type, i) { parts[type] = +numbers[i]; });
    if (parts.year < 100) parts.year += 2000;
    var d = new Date(Date.UTC(parts.year, parts.month - 1, parts.day));
    if (d.getUTCFullYear() !== parts.year || d.getUTCMonth() !== parts.month - 1 || d.getUTCDate() !== parts.day) {
      return null;
    }
    return d.toISOString().slice(0, 10);
  }

  function consoleFor(holder) {
    var t = core.texts(holder, texts), lang = core.language(holder);
    var when = new Intl.DateTimeFormat(LOCALES[lang], {dateStyle: "medium", timeStyle: "short"});
    var percent = new Intl.NumberFormat(LOCALES[lang], {style: "percent", maximumFractionDigits: 0});
    var number = new Intl.NumberFormat(LOCALES[lang], {maximumFractionDigits: 2});
    var monthName = new Intl.DateTimeFormat(LOCALES[lang], {month: "long", year: "numeric", timeZone: "UTC"});
    var counter = 0;
    function id(name) { counter += 1; return "tillit-console-" + name + "-" + counter; }
    function at(iso) { return iso ? when.format(new Date(iso)) : t.never; }
    function scopeName(scope) { return t.scopeNames[scope] || scope; }
    /* Each scope in words, its code after it for the operator who knows the codes. */
    function scopeList(codes) {
      var list = el("ul", {"class": "tillit-console-scope-list"});
      codes.forEach(function (code) {
        var item = el("li", {}, scopeName(code) + " ");
        item.appendChild(el("code", {"class": "tillit-muted tillit-console-code"}, code));
        list.appendChild(item);
      });
      return list;
    }
    function error(box, failure, known) { box.textContent = core.problem(holder, failure, known); }

    holder.classList.add("tillit-stack");
    holder.setAttribute("aria-busy", "true");
    var status = el("p", {"class": "tillit-muted", role: "status"}, t.loading);
    holder.replaceChildren(status);
    core.me().then(function (me) {
      var roles = me.roles || [], parts = [];
      if (roles.indexOf("leader") >= 0) parts.push(campaigns(), awards());
      if (roles.indexOf("leader") >= 0 && holder.getAttribute("data-tillit-pulse-report-url")) parts.push(pulseResults());
      if (roles.indexOf("communications") >= 0) parts.push(thresholds(), pulseDefinitions());
      if (roles.indexOf("admin") >= 0) parts.push(moderation(), keys(), audit());
      holder.removeAttribute("aria-busy");
      if (!parts.length) {
        status.textContent = t.nothing;
        holder.setAttribute("data-state", "empty");
        return;
      }
      if (parts.length === 1) {
        holder.replaceChildren(parts[0]);
        holder.setAttribute("data-state", "ready");
        return;
      }
      var nav = el("nav", {"aria-label": t.sections}), row = el("ul", {"class": "tillit-row tillit-console-nav"});
      row.style.listStyle = "none";
      row.style.padding = "0";
      row.style.margin = "0";
      parts.forEach(function (part) {
        var item = el("li");
        item.appendChild(el("a", {href: "#" + part.id}, part.getAttribute("data-title")));
        row.appendChild(item);
      });
      nav.appendChild(row);
      holder.replaceChildren.apply(holder, [nav].concat(parts));
      holder.setAttribute("data-state", "ready");
    }, function (failure) {
      holder.removeAttribute("aria-busy");
      holder.setAttribute("data-state", "offline");
      status.className = "tillit-error";
      status.setAttribute("role", "alert");
      error(status, failure);
    });

    /* A card with a heading that the nav links to. */
    function card(name, title) {
      var section = el("section", {"class": "tillit-card tillit-stack", id: id(name), "data-tillit-part": name,
                                   "data-title": title});
      var heading = el("h2", {id: section.id + "-title"}, title);
      section.setAttribute("aria-labelledby", heading.id);
      section.appendChild(heading);
      return section;
    }

    function alertBox() { return el("p", {"class": "tillit-error", role: "alert"}); }

    function table(headers, rows, caption) {
      /* a group, not a region: the card around it is the landmark, and a second landmark with the
         card's own name would make two of the same (axe: landmark-unique) */
      var wrap = el("div", {"class": "tillit-table-wrap", tabindex: "0", role: "group", "aria-label": caption});
      var tab = el("table", {"class": "tillit-table tillit-console-table"}), head = el("tr"), body = el("tbody");
      tab.appendChild(el("caption", {"class": "tillit-visually-hidden"}, caption));
      headers.forEach(function (h) { head.appendChild(el("th", {scope: "col"}, h)); });
      tab.appendChild(el("thead")).appendChild(head);
      rows.forEach(function (cells) {
        var tr = el("tr");
        cells.forEach(function (cell, column) {
          var td = el("td", {"data-label": headers[column]});
          if (cell instanceof Node) td.appendChild(cell); else td.textContent = cell === null ? "" : String(cell);
          tr.appendChild(td);
        });
        body.appendChild(tr);
      });
      tab.appendChild(body);
      wrap.appendChild(tab);
      return wrap;
    }

    function badge(text, tone) { return el("span", {"class": "tillit-badge" + (tone ? " tillit-badge--" + tone : "")}, text); }

    function button(text, kind, onClick) {
      var b = el("button", {type: "button", "class": "tillit-button" + (kind ? " tillit-button--" + kind : "")}, text);
      b.addEventListener("click", onClick);
      return b;
    }

    function field(label, control) {
      var box = el("div", {"class": "tillit-field"});
      control.id = control.id || id("field");
      box.appendChild(el("label", {"for": control.id}, label));
      box.appendChild(control);
      return box;
    }

    /* Resolves true when the person confirms; the dialog keeps focus inside until answered, and the
       focus goes back to the button that asked. */
    function confirmed(question, why, action) {
      var dialog = el("dialog", {"class": "tillit-console-dialog"}), form = el("form", {method: "dialog",
        "class": "tillit-stack"});
      var title = el("h2", {id: id("dialog")}, question), back = document.activeElement;
      dialog.setAttribute("aria-labelledby", title.id);
      form.appendChild(title);
      form.appendChild(el("p", {}, why));
      var row = el("div", {"class": "tillit-row tillit-console-actions"});
      row.appendChild(el("button", {"class": "tillit-button", value: "cancel", autofocus: ""}, t.cancel));
      row.appendChild(el("button", {"class": "tillit-button tillit-button--danger", value: "confirm"}, action));
      form.appendChild(row);
      dialog.appendChild(form);
      holder.appendChild(dialog);
      return new Promise(function (resolve) {
        dialog.addEventListener("close", function () {
          dialog.remove();
          if (back && back.focus && back.isConnected) back.focus();
          resolve(dialog.returnValue === "confirm");
        });
        dialog.showModal();
      });
    }

    function campaigns() {
      var section = card("campaigns", t.campaigns), problem = alertBox(), list = el("div", {"class": "tillit-stack"});
      var summary = el("div", {"class": "tillit-stack", "aria-live": "polite"});
      var form = el("form", {"class": "tillit-stack"}), question = el("input", {"class": "tillit-input",
        required: "", maxlength: "300", autocomplete: "off"});
      /* a text field in the page's language, not type=date: Chromium shows that one in the browser's
         own locale ("12/24/2026" on a Norwegian page) */
      var order = dateOrder(LOCALES[lang]), example = new Intl.DateTimeFormat(LOCALES[lang],
        {day: "2-digit", month: "2-digit", year: "numeric"}).format(new Date(2026, 11, 24));
      var hint = el("p", {"class": "tillit-muted tillit-console-hint", id: id("hint")}, fill(t.dateHint, {date: example}));
      var closes = el("input", {"class": "tillit-input", type: "text", inputmode: "numeric", autocomplete: "off",
                                "aria-describedby": hint.id, "data-date-order": order.join("-")});
      form.appendChild(el("h3", {}, t.open));
      form.appendChild(field(t.question, question));
      var closesBox = form.appendChild(field(t.closes, closes));
      closesBox.appendChild(hint);
      closesBox.style.maxWidth = "16rem";
      form.appendChild(el("div", {"class": "tillit-row"})).appendChild(
        el("button", {type: "submit", "class": "tillit-button tillit-button--primary"}, t.create));
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var body = {question: question.value.trim()};
        problem.textContent = "";
        if (closes.value.trim()) {
          var day = parseDate(closes.value, order);
          if (!day) { problem.textContent = fill(t.badDate, {date: example}); closes.focus(); return; }
          body.closes_at = new Date(day + "T23:59:59").toISOString();
        }
        core.json("POST", "/v1/campaigns", body).then(function () {
          form.reset();
          load();
          question.focus();
        }, function (failure) { error(problem, failure); });
      });
      var filter = el("select", {"class": "tillit-input"});
      [["", t.all], ["open", t.statuses.open], ["closed", t.statuses.closed], ["archived", t.statuses.archived]]
        .forEach(function (o) { filter.appendChild(el("option", {value: o[0]}, o[1])); });
      filter.addEventListener("change", load);
      var filterBox = field(t.show, filter);
      filterBox.style.maxWidth = "16rem";
      section.appendChild(form);
      section.appendChild(problem);
      section.appendChild(filterBox);
      section.appendChild(list);
      section.appendChild(summary);

      function change(campaign, status) {
        problem.textContent = "";
        return core.json("PATCH", "/v1/campaigns/" + encodeURIComponent(campaign.id), {status: status})
          .then(load, function (failure) { error(problem, failure); });
      }
      function ask(campaign, status) {
        var q = {question: campaign.question};
        var words = status === "closed" ? [fill(t.closeAsk, q), t.closeWhy, t.close]
                                        : [fill(t.archiveAsk, q), t.archiveWhy, t.archive];
        confirmed(words[0], words[1], words[2]).then(function (yes) { if (yes) change(campaign, status); });
      }
      function load() {
        var path = "/v1/campaigns?per_page=100" + (filter.value ? "&status=" + filter.value : "");
        return core.json("GET", path).then(function (answer) {
          var rows = answer.campaigns.map(function (c) {
            var buttons = el("div", {"class": "tillit-row tillit-console-actions"});
            buttons.appendChild(button(t.summary, "", function () { showSummary(c); }));
            if (c.status === "open") buttons.appendChild(button(t.close, "danger", function () { ask(c, "closed"); }));
            if (c.status === "closed") buttons.appendChild(button(t.archive, "danger", function () { ask(c, "archived"); }));
            if (c.status !== "open") buttons.appendChild(button(t.reopen, "", function () { change(c, "open"); }));
            var tone = {open: "ok", closed: "warn"}[c.status];
            return [c.question, badge(t.statuses[c.status] || c.status, tone), c.closes_at ? at(c.closes_at) : "–",
                    buttons];
          });
          list.replaceChildren(rows.length ? table([t.question, t.status, t.closesAt, t.actions], rows, t.campaigns)
                                           : el("p", {"class": "tillit-muted"}, t.noCampaigns));
          section.setAttribute("data-state", "ready");
        }, function (failure) { error(problem, failure); });
      }
      function showSummary(campaign) {
        problem.textContent = "";
        core.json("GET", "/v1/campaigns/" + encodeURIComponent(campaign.id) + "/summary").then(function (s) {
          var box = el("div", {"class": "tillit-card tillit-stack", "data-tillit-summary": campaign.id});
          box.appendChild(el("h3", {}, t.summary + ": " + s.campaign.question));
          box.appendChild(el("p", {}, s.participants ? t.participants(s.participants, s.teams) : t.nobody));
          if (s.ideas.length) {
            box.appendChild(el("p", {"class": "tillit-muted"}, fill(t.unanswered(s.unanswered.length),
                                                                     {n: s.unanswered.length})));
          }
          box.appendChild(s.ideas.length ? table([t.idea, t.support, t.contributions, t.status], s.ideas.map(function (i) {
              return [i.title, i.support, i.contributions, t.ideaStatus[i.status] || i.status];
          }), t.summary) : el("p", {"class": "tillit-muted"}, t.noIdeas));
          summary.replaceChildren(box);
        }, function (failure) { error(problem, failure); });
      }
      load();
      return section;
    }

    /* Last month is the one a leader finalises and announces, so the link goes straight to it. */
    function awards() {
      var section = card("awards", t.awards), url = holder.getAttribute("data-tillit-awards-url");
      var now = new Date(), last = new Date(Date.UTC(now.getFullYear(), now.getMonth() - 1, 1));
      var month = last.toISOString().slice(0, 7);
      section.appendChild(el("p", {}, t.awardsText));
      section.appendChild(el("p", {"class": "tillit-muted"}, t.awardsRules));
      if (url) {
        var href = url + (url.indexOf("?") >= 0 ? "&" : "?") + "month=" + month;
        section.appendChild(el("p")).appendChild(el("a", {href: href}, fill(t.awardsLink, {month: monthName.format(last)})));
      }

      return section;
    }

    /* Where a leader reads their team's pulse results, beside their own and their manager's answers. */
    function pulseResults() {
      var section = card("pulses", t.pulses);
      section.appendChild(el("p", {}, t.pulsesText));
      section.appendChild(el("p")).appendChild(el("a", {href: holder.getAttribute("data-tillit-pulse-report-url")},
                                                    t.pulseReportLink));
      return section;
    }

    function thresholds() {
      var section = card("thresholds", t.thresholds), problem = alertBox();
      section.appendChild(el("p", {"class": "tillit-muted"}, t.thresholdsText));
      section.appendChild(problem);
      var dashboard = holder.getAttribute("data-tillit-trust-url");
      core.json("GET", "/v1/trust/thresholds").then(function (answer) {
        var list = el("ul", {"class": "tillit-console-list"});
        Object.keys(answer.thresholds).forEach(function (flag) {
          var limits = answer.thresholds[flag], shown = {};
          Object.keys(limits).forEach(function (k) {
            var v = limits[k];
            shown[k] = (k === "below" || k === "above" || k === "change") ? percent.format(Math.abs(v)) : number.format(v);
          });
          var sentence = t.flags[flag] ? fill(t.flagRule, {flag: t.flagTitles[flag], rule: fill(t.flags[flag], shown)})
            : flag + ": " + Object.keys(shown).map(function (k) { return k + " " + shown[k]; }).join(", ");
          list.appendChild(el("li", {"data-flag": flag}, sentence));
        });
        section.appendChild(list);
        if (dashboard) section.appendChild(el("p")).appendChild(el("a", {href: dashboard}, t.trustLink));
        var heatmap = holder.getAttribute("data-tillit-pulse-heatmap-url");
        if (heatmap) section.appendChild(el("p")).appendChild(el("a", {href: heatmap}, t.pulseHeatmapLink));
        section.setAttribute("data-state", "ready");
      }, function (failure) { error(problem, failure); });
      return section;
    }

    /* Communications staff define a pulse: statements from the library in the page's language (each
       shown in its team wording, as most people will read it) and up to MAX_OWN of their own, the units
       from the directory with where each sits, and a window in the page's local time. The server
       checks everything again; what it refuses is said beside the field it names. */
    function pulseDefinitions() {
      var MAX_OWN = 3, section = card("pulse-definitions", t.definePulses), problem = alertBox();
      var list = el("div", {"class": "tillit-stack"}), form = el("form", {"class": "tillit-stack", novalidate: ""});
      var slots = {}, boxes = {};
      /* a field's own error, read out with the field (aria-describedby) and shown under it */
      function slot(name, box, control) {
        var message = el("p", {"class": "tillit-error tillit-console-hint", id: id("error"), "data-error-for": name});
        box.appendChild(message);
        slots[name] = message;
        boxes[name] = control;
        control.setAttribute("aria-describedby", [control.getAttribute("aria-describedby"), message.id]
          .filter(Boolean).join(" "));
        return box;
      }
      var title = el("input", {"class": "tillit-input", maxlength: "200", autocomplete: "off", name: "title"});
      form.appendChild(el("h3", {}, t.newPulse));
      form.appendChild(slot("title", field(t.pulseTitle, title), title));

      var statements = el("fieldset", {"class": "tillit-console-choices", "data-field": "statements"});
      statements.appendChild(el("legend", {}, t.statementsLegend));
      statements.appendChild(el("p", {"class": "tillit-muted tillit-console-hint"}, t.statementsText));
      var groups = {leader: el("div", {"class": "tillit-stack"}), climate: el("div", {"class": "tillit-stack"})};
      [["leader", t.leaderStatements], ["climate", t.climateStatements]].forEach(function (g) {
        groups[g[0]].appendChild(el("h4", {"class": "tillit-console-group"}, g[1]));
        statements.appendChild(groups[g[0]]);
      });
      var own = el("div", {"class": "tillit-stack", "data-tillit-own": ""});
      var addOwn = button(t.addOwn, "", function () { ownRow(); });
      statements.appendChild(own);
      statements.appendChild(el("div", {"class": "tillit-row"})).appendChild(addOwn);
      form.appendChild(slot("statements", statements, statements));

      var units = el("fieldset", {"class": "tillit-console-choices", "data-field": "units"});
      var search = el("input", {"class": "tillit-input", type: "search", autocomplete: "off"});
      var teamList = el("ul", {"class": "tillit-console-units"});
      units.appendChild(el("legend", {}, t.units));
      units.appendChild(el("p", {"class": "tillit-muted tillit-console-hint"}, t.unitsText));
      units.appendChild(field(t.findUnit, search));
      units.appendChild(teamList);
      form.appendChild(slot("units", units, units));

      var order = dateOrder(LOCALES[lang]), example = new Intl.DateTimeFormat(LOCALES[lang],
        {day: "2-digit", month: "2-digit", year: "numeric"}).format(new Date(2026, 11, 24));
      var window_ = el("div", {"class": "tillit-row tillit-console-window"});
      var opens = moment("opens_at", t.opens, t.opensHint), closes = moment("closes_at", t.closesPulse, t.closesHint, true);
      window_.appendChild(opens.box);
      window_.appendChild(closes.box);
      form.appendChild(window_);

      var freeText = el("input", {type: "checkbox", name: "free_text"});
      var freeLabel = el("label", {"class": "tillit-console-scope"});
      var freeWarning = el("p", {"class": "tillit-muted tillit-console-hint", id: id("hint")}, t.freeTextWarning);
      freeText.setAttribute("aria-describedby", freeWarning.id);
      freeLabel.appendChild(freeText);
      freeLabel.appendChild(el("span", {}, t.freeText));
      var freeBox = el("div", {"class": "tillit-stack"});
      freeBox.appendChild(freeLabel);
      freeBox.appendChild(freeWarning);
      form.appendChild(slot("free_text", freeBox, freeText));
      form.appendChild(el("div", {"class": "tillit-row"})).appendChild(
        el("button", {type: "submit", "class": "tillit-button tillit-button--primary"}, t.definePulse));
      section.appendChild(form);
      section.appendChild(problem);
      section.appendChild(el("h3", {}, t.pulseList));
      section.appendChild(list);

      /* a date in the page's format and a time (hh:mm), read as the page's local time; without a
         time, a pulse opens at the start of its day and closes at the end of its day */
      function moment(name, label, hintText, endOfDay) {
        var box = el("fieldset", {"class": "tillit-console-moment", "data-field": name});
        var hint = el("p", {"class": "tillit-muted tillit-console-hint", id: id("hint")},
                      hintText + " " + fill(t.dateHint, {date: example + " 09:00"}));
        var day = el("input", {"class": "tillit-input", type: "text", inputmode: "numeric", autocomplete: "off",
                               "aria-describedby": hint.id, "data-part": "date"});
        var time = el("input", {"class": "tillit-input", type: "text", inputmode: "numeric", autocomplete: "off",
                                "aria-describedby": hint.id, "data-part": "time", placeholder: "09:00", maxlength: "5"});
        box.appendChild(el("legend", {}, label));
        var row = el("div", {"class": "tillit-row"});
        row.appendChild(field(t.date, day)).style.flex = "2 1 8rem";
        row.appendChild(field(t.time, time)).style.flex = "1 1 5rem";
        box.appendChild(row);
        box.appendChild(hint);
        slot(name, box, day);
        time.setAttribute("aria-describedby", day.getAttribute("aria-describedby"));
        /* undefined: left empty; null: not a date and time */
        function value() {
          if (!day.value.trim() && !time.value.trim()) return undefined;
          var d = parseDate(day.value, order), hm = /^\s*(\d{1,2})(?:[:.](\d{2}))?\s*$/.exec(time.value.trim() || (endOfDay ? "23:59" : "00:00"));
          if (!d || !hm || +hm[1] > 23 || +(hm[2] || 0) > 59) return null;
          var local = new Date(+d.slice(0, 4), +d.slice(5, 7) - 1, +d.slice(8, 10), +hm[1], +(hm[2] || 0));
          return local.toISOString();
        }
        return {box: box, day: day, time: time, value: value};
      }

      function ownRow() {
        var n = own.children.length + 1;
        if (n > MAX_OWN) return;
        var row = el("div", {"class": "tillit-card tillit-stack", "data-tillit-own-statement": String(n)});
        var text = el("textarea", {"class": "tillit-input tillit-console-own", maxlength: "300", rows: "2"});
        row.appendChild(field(fill(t.ownStatement, {n: n}), text));
        var more = el("details"), langs = el("div", {"class": "tillit-stack"});
        more.appendChild(el("summary", {}, t.ownLanguages));
        Object.keys(LOCALES).forEach(function (code) {
          var input = el("input", {"class": "tillit-input", maxlength: "300", autocomplete: "off", "data-lang": code});
          langs.appendChild(field(t.languageNames[code], input));
        });
        more.appendChild(langs);
        row.appendChild(more);
        row.appendChild(el("div", {"class": "tillit-row"})).appendChild(button(t.removeOwn, "", function () {
          row.remove();
          Array.prototype.forEach.call(own.children, function (r, i) {
            r.setAttribute("data-tillit-own-statement", String(i + 1));
            r.querySelector("label").textContent = fill(t.ownStatement, {n: i + 1});
          });
          addOwn.hidden = false;
          addOwn.focus();
        }));
        own.appendChild(row);
        addOwn.hidden = own.children.length >= MAX_OWN;
        text.focus();
      }

      /* one text for every language, or texts by language with the main text first (what is left
         out takes the first text given) */
      function ownStatements() {
        return Array.prototype.map.call(own.children, function (row, i) {
          var main = row.querySelector("textarea").value.trim(), texts = {}, any = false;
          if (main) texts[lang] = main;
          row.querySelectorAll("input[data-lang]").forEach(function (input) {
            var v = input.value.trim();
            if (v) { texts[input.getAttribute("data-lang")] = v; any = true; }
          });
          return {key: "custom-" + (i + 1), text: any ? texts : main};
        });
      }

      function clearErrors() {
        problem.textContent = "";
        Object.keys(slots).forEach(function (name) {
          slots[name].textContent = "";
          boxes[name].removeAttribute("aria-invalid");
        });
      }
      function showError(name, text) {
        if (!slots[name]) return false;
        slots[name].textContent = text;
        if (boxes[name].tagName === "INPUT" || boxes[name].tagName === "TEXTAREA") {
          boxes[name].setAttribute("aria-invalid", "true");
        }
        return true;
      }
      function focusFirstError() {
        var names = ["title", "statements", "units", "opens_at", "closes_at", "free_text"];
        for (var i = 0; i < names.length; i += 1) {
          if (slots[names[i]].textContent) {
            var target = boxes[names[i]].matches("input, textarea") ? boxes[names[i]] : boxes[names[i]].querySelector("input, textarea, button");
            if (target) target.focus();
            return;
          }
        }
      }

      form.addEventListener("submit", function (event) {
        event.preventDefault();
        clearErrors();
        var body = {title: title.value.trim(), statements: [], units: [], free_text: freeText.checked};
        statements.querySelectorAll("input[data-key]").forEach(function (b) { if (b.checked) body.statements.push(b.value); });
        body.statements = body.statements.concat(ownStatements());
        teamList.querySelectorAll("input").forEach(function (b) { if (b.checked) body.units.push(b.value); });
        var from = opens.value(), to = closes.value(), bad = false;
        if (from === null) bad = showError("opens_at", t.badMoment);
        if (to === null) bad = showError("closes_at", t.badMoment);
        if (to === undefined) bad = showError("closes_at", t.closesNeeded);
        if (bad) { focusFirstError(); return; }
        if (from) body.opens_at = from;
        body.closes_at = to;
        core.json("POST", "/v1/pulses", body).then(function (made) {
          form.reset();
          own.replaceChildren();
          addOwn.hidden = false;
          filterUnits();
          load(made.id);
        }, function (failure) {
          var named = false;
          (failure.errors || []).forEach(function (e) {
            var name = String(e.field || "").split(".")[0];
            if (showError(name, t.fieldErrors[name] || t.fieldErrors.other)) named = true;
          });
          if (named) focusFirstError(); else error(problem, failure);
        });
      });

      function filterUnits() {
        var words = search.value.trim().toLowerCase();
        teamList.querySelectorAll("li").forEach(function (item) {
          item.hidden = !!words && item.textContent.toLowerCase().indexOf(words) < 0 && !item.querySelector("input").checked;
        });
      }
      search.addEventListener("input", filterUnits);

      function badgeFor(status) {
        return badge(t.pulseStatuses[status] || status, {open: "ok", scheduled: "", closed: "warn"}[status]);
      }
      function load(fresh) {
        return core.json("GET", "/v1/pulses").then(function (answer) {
          list.replaceChildren(answer.pulses.length ? table([t.pulseTitle, t.status, t.window, t.answers],
            answer.pulses.map(function (p) {
              return [p.title, badgeFor(p.status), fill(t.windowText, {opens: at(p.opens_at), closes: at(p.closes_at)}),
                      number.format(p.answers || 0)];
            }), t.pulseList) : el("p", {"class": "tillit-muted"}, t.noPulses));
          list.querySelectorAll("tbody tr").forEach(function (tr, i) {
            tr.setAttribute("data-pulse", answer.pulses[i].id);
          });
          if (fresh) {
            var row = list.querySelector("tr[data-pulse='" + fresh + "']");
            announce.textContent = fill(t.pulseMade, {title: answer.pulses.filter(function (p) { return p.id === fresh; })[0].title});
            if (row) row.scrollIntoView({block: "nearest"});
          }
        }, function (failure) { error(problem, failure); });
      }
      var announce = el("p", {"class": "tillit-console-hint", role: "status"});
      section.insertBefore(announce, list);

      Promise.all([
        core.json("GET", "/v1/pulses/library?lang=" + lang).then(function (library) {
          library.statements.forEach(function (s) {
            var label = el("label", {"class": "tillit-console-scope"});
            label.appendChild(el("input", {type: "checkbox", value: s.key, "data-key": s.key}));
            label.appendChild(el("span", {}, s.texts.team));
            (groups[s.group] || groups.climate).appendChild(label);
          });
        }),
        core.json("GET", "/v1/pulses/teams").then(function (answer) {
          answer.teams.forEach(function (team) {
            var item = el("li"), label = el("label", {"class": "tillit-console-scope"});
            label.appendChild(el("input", {type: "checkbox", value: team.id, name: "unit"}));
            label.appendChild(el("span", {}, team.name));
            if (team.path.length) {
              label.appendChild(el("span", {"class": "tillit-muted tillit-console-path"}, team.path.join(" › ")));
            }
            item.appendChild(label);
            teamList.appendChild(item);
          });
        }),
        load()
      ]).then(function () { section.setAttribute("data-state", "ready"); }, function (failure) { error(problem, failure); });
      return section;
    }

    function moderation() {
      var section = card("moderation", t.moderation), problem = alertBox(), body = el("div");
      section.appendChild(el("p", {"class": "tillit-muted"}, t.moderationText));
      section.appendChild(problem);
      section.appendChild(body);
      core.json("GET", "/v1/moderation/reports?per_page=100").then(function (answer) {
        body.replaceChildren(answer.items.length ? table([t.reported, t.writtenBy, t.written, t.campaign, t.reporters,
                                                          t.visibility],
          answer.items.map(function (i) {
            var c = i.content || {};
            return [reportedItem(i), [c.author, c.team].filter(Boolean).join(", ") || "–",
                    c.written_at ? at(c.written_at) : "–", c.campaign || "–", reports(i),
                    i.hidden ? badge(t.hidden, "warn") : badge(t.visible)];
          }), t.moderation) : el("p", {"class": "tillit-muted"}, t.queueEmpty));
        section.setAttribute("data-state", "ready");
      }, function (failure) { error(problem, failure); });
      return section;
    }

    /* What was reported, in its own words: the kind, an idea's title, the idea a contribution is on, the text. */
    function reportedItem(item) {
      var box = el("div", {"class": "tillit-stack tillit-console-reported", "data-target": item.target.kind});
      var c = item.content;
      box.appendChild(badge(t.kinds[item.target.kind] || item.target.kind));
      if (!c) { box.appendChild(el("p", {"class": "tillit-muted"}, t.gone)); return box; }
      if (c.title) box.appendChild(el("strong", {}, c.title));
      if (!c.title && c.idea) box.appendChild(el("p", {"class": "tillit-muted"}, fill(t.onIdea, {idea: c.idea})));
      if (c.text) box.appendChild(el("p", {"class": "tillit-console-quote"}, c.text));
      return box;
    }

    function reports(item) {
      var box = el("div", {"class": "tillit-stack"});
      box.appendChild(el("span", {}, t.reportsOf(item.reporters, item.reports_to_hide)));
      if ((item.reasons || []).length) {
        box.appendChild(el("span", {"class": "tillit-muted"}, fill(t.why, {reasons: item.reasons.join("; ")})));
      }
      return box;
    }

    function keys() {
      var section = card("keys", t.keys), problem = alertBox(), list = el("div"), fresh = el("div");
      var form = el("form", {"class": "tillit-stack", novalidate: ""}), name = el("input", {"class": "tillit-input",
        maxlength: "100", autocomplete: "off"});
      var scopes = el("fieldset", {"class": "tillit-console-scopes"});
      scopes.appendChild(el("legend", {}, t.scopes));
      SCOPES.forEach(function (scope) {
        var label = el("label", {"class": "tillit-console-scope"}), box = el("input", {type: "checkbox", value: scope});
        label.appendChild(box);
        label.appendChild(el("span", {}, scopeName(scope)));
        label.appendChild(el("code", {"class": "tillit-muted tillit-console-code"}, scope));
        scopes.appendChild(label);
      });
      form.appendChild(field(t.keyName, name));
      form.appendChild(scopes);
      form.appendChild(el("div", {"class": "tillit-row"})).appendChild(
        el("button", {type: "submit", "class": "tillit-button tillit-button--primary"}, t.makeKey));
      section.appendChild(form);
      section.appendChild(problem);
      section.appendChild(fresh);
      section.appendChild(list);
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var chosen = Array.prototype.filter.call(scopes.querySelectorAll("input"), function (b) { return b.checked; })
          .map(function (b) { return b.value; });
        if (!name.value.trim()) { problem.textContent = t.nameNeeded; name.focus(); return; }
        if (!chosen.length) { problem.textContent = t.pickScope; scopes.querySelector("input").focus(); return; }
        problem.textContent = "";
        core.json("POST", "/v1/keys", {name: name.value.trim(), scopes: chosen}).then(function (made) {
          form.reset();
          showKey(made);
          load();
        }, function (failure) { error(problem, failure); });
      });
      function showKey(made) {
        var box = el("div", {"class": "tillit-card tillit-stack", "data-tillit-new-key": made.prefix});
        var secret = el("input", {"class": "tillit-input tillit-console-secret", readonly: "", value: made.key});
        box.appendChild(el("h3", {}, fill(t.newKey, {name: made.name})));
        box.appendChild(el("p", {}, t.newKeyText));
        box.appendChild(field(t.keys, secret));
        var copy = button(t.copy, "", function () {
          secret.select();
          (navigator.clipboard ? navigator.clipboard.writeText(made.key) : Promise.reject()).then(function () {
            copy.textContent = t.copied;
          }, function () { document.execCommand && document.execCommand("copy"); });
        });
        box.appendChild(el("div", {"class": "tillit-row"})).appendChild(copy);
        fresh.replaceChildren(box);
        secret.focus();
        secret.select();
      }
      function load() {
        return core.json("GET", "/v1/keys").then(function (answer) {
          list.replaceChildren(answer.keys.length ? table(
            [t.keyName, t.prefix, t.scopes, t.created, t.lastUsed, t.status, t.actions],
            answer.keys.map(function (k) {
              var state = k.revoked_at ? badge(t.revoked, "danger") : badge(t.active, "ok"), action = el("span");
              if (!k.revoked_at) {
                action = button(t.revoke, "danger", function () {
                  confirmed(fill(t.revokeAsk, {name: k.name}), t.revokeWhy, t.revoke).then(function (yes) {
                    if (!yes) return;
                    core.json("POST", "/v1/keys/" + encodeURIComponent(k.prefix) + "/revoke").then(function () {
                      fresh.replaceChildren();
                      load();
                    }, function (failure) { error(problem, failure); });
                  });
                });
                action.setAttribute("data-prefix", k.prefix);
              }
              return [k.name, el("code", {}, k.prefix), scopeList(k.scopes), at(k.created_at), at(k.last_used_at),
                      state, action];
            }), t.keys) : el("p", {"class": "tillit-muted"}, t.noKeys));
          section.setAttribute("data-state", "ready");
        }, function (failure) { error(problem, failure); });
      }
      load();
      return section;
    }

    /* "user:demo-siri" as "demo-siri (person)", "key:Chat bridge" as "Chat bridge (API key)" */
    function who(label) {
      var at = String(label).indexOf(":"), kind = label.slice(0, at), name = label.slice(at + 1);
      return kind === "user" ? fill(t.byPerson, {id: name}) : kind === "key" ? fill(t.byKey, {id: name}) : label;
    }
    function view(code) {
      if (code.indexOf("chat:") === 0) return fill(t.chat, {name: code.slice(5)});
      return t.views[code] || code;
    }
    function month(text) {
      var m = /^(\d{4})-(\d{2})$/.exec(text);
      return m ? monthName.format(new Date(Date.UTC(+m[1], +m[2] - 1, 1))) : null;
    }
    /* "2026-10", "30d" and "12 months to 2026-10" (a trend) in the page's language */
    function period(text) {
      var span = /^(\d+) months to (\d{4}-\d{2})$/.exec(text), days = /^(\d+)d$/.exec(text);
      if (span) return fill(t.monthsTo(+span[1]), {month: month(span[2])});
      if (days) return t.lastDays(+days[1]);
      return month(text) || text;
    }

    /* The logs grow a row per view: the newest PAGE, and more on asking rather than one endless list. */
    function audit() {
      var PAGE = 20, section = card("audit", t.audit), problem = alertBox();
      section.appendChild(problem);
      function part(title, path, pick, headers, row, none) {
        var box = el("div", {"class": "tillit-stack", "data-tillit-log": pick}), shown = PAGE;
        section.appendChild(box);
        function load(focusNew) {
          return core.json("GET", path + "?limit=" + (shown + 1)).then(function (answer) {
            var rows = answer[pick], more = rows.length > shown;
            rows = rows.slice(0, shown);
            var content = [el("h3", {}, title)];
            content.push(rows.length ? table(headers, rows.map(row), title) : el("p", {"class": "tillit-muted"}, none));
            if (more) {
              content.push(el("div", {"class": "tillit-row"}));
              content[2].appendChild(button(t.showMore, "", function () { shown += PAGE; load(true); }));
            }
            box.replaceChildren.apply(box, content);
            if (focusNew) {
              var first = box.querySelectorAll("tbody tr")[shown - PAGE];
              (more ? box.querySelector("button") : box.querySelector(".tillit-table-wrap")).focus();
              if (first) first.scrollIntoView({block: "nearest"});
            }
          }, function (failure) { error(problem, failure); });
        }
        return load(false);
      }
      Promise.all([
        part(t.trustViews, "/v1/trust/audit", "views", [t.at, t.who, t.unit, t.view, t.period],
             function (v) { return [at(v.at), who(v.who), v.unit === "*" ? t.all : v.unit_name || v.unit, view(v.view), period(v.period)]; }, t.noViews),
        part(t.dataReads, "/v1/privacy/audit", "reads", [t.at, t.who, t.person, t.format],
             function (r) { return [at(r.at), who(r.who), r.person, r.format]; }, t.noReads)
      ]).then(function () { section.setAttribute("data-state", "ready"); });
      return section;
    }
  }

  function start() { Array.prototype.forEach.call(document.querySelectorAll("[data-tillit-console]"), consoleFor); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
