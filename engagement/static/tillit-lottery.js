/* The monthly draw, for the person whose token the page has, served with widget.js:
 *
 *   <section data-tillit-lottery></section>                       (this month)
 *   <section data-tillit-lottery data-tillit-month="2026-11"></section>
 *
 * "Du har 3 lodd i november", what each ticket was for, what earns the next one (GET
 * /v1/lottery/me), why someone is not in the draw, the rule in plain words (from GET
 * /v1/lottery/<month>, in a <details>), and the month's commitment: the SHA-256 of the draw's
 * secret seed, published before the month ended, shortened where it is read and in full where it
 * is copied. After the draw: the person's ticket numbers out of the total and whether they won.
 *
 * The rule's words, the month's name and the shortened hash are shared with the leaders' awards
 * page (tillit-awards.js) as TillitCore.lottery, so both say the rule the same way.
 */
(function () {
  "use strict";
  var core = window.TillitCore(document.currentScript), el = core.el;

  function texts(_, ngettext) {
    return {loading: _("Loading your tickets…"),
            /* TRANSLATORS: {month} is a month's name, such as "november" or "november 2025". */
            have: function (n) { return ngettext("You have {n} ticket in {month}", "You have {n} tickets in {month}", n); },
            had: function (n) { return ngettext("You had {n} ticket in {month}", "You had {n} tickets in {month}", n); },
            noneYet: _("You have no tickets in {month} yet"), noneHad: _("You had no tickets in {month}"),
            notStarted: _("The month has not started yet."),
            /* TRANSLATORS: a part of a person's tickets: "1 for contributing". */
            forContributing: function (n) { return ngettext("{n} for contributing", "{n} for contributing", n); },
            /* TRANSLATORS: {colleagues} is a counted phrase of its own: "3 colleagues". */
            forRecognition: function (n) {
              return ngettext("{n} for recognition from {colleagues}", "{n} for recognition from {colleagues}", n);
            },
            /* TRANSLATORS: {colleagues} is a counted phrase of its own: "2 colleagues". */
            forIdeas: function (n) {
              return ngettext("{n} for building on the ideas of {colleagues}", "{n} for building on the ideas of {colleagues}", n);
            },
            /* TRANSLATORS: a part of a frozen month's tickets, where the number of colleagues is not kept. */
            forRecognitionOnly: function (n) { return ngettext("{n} for recognition", "{n} for recognition", n); },
            /* TRANSLATORS: a part of a frozen month's tickets, where the number of colleagues is not kept. */
            forIdeasOnly: function (n) {
              return ngettext("{n} for building on colleagues' ideas", "{n} for building on colleagues' ideas", n);
            },
            colleagues: function (n) { return ngettext("{n} colleague", "{n} colleagues", n); },
            contribute: _("Contribute something this month to be in the draw: publish, submit an idea, " +
                          "build on an idea or write a comment."),
            nextOne: _("What earns your next ticket:"), nextEither: _("Either of these earns your next ticket:"),
            moreRecognisers: function (n) {
              return ngettext("recognition from {n} more colleague whom you have not recognised this month",
                              "recognition from {n} more colleagues whom you have not recognised this month", n);
            },
            moreIdeaOwners: function (n) {
              return ngettext("building on the idea of {n} more colleague", "building on the ideas of {n} more colleagues", n);
            },
            atCap: function (n) {
              return ngettext("You have the most tickets anyone can have: {n}.", "You have the most tickets anyone can have: {n}.", n);
            },
            why: {opted_out: _("You are not in the draw: you have chosen not to appear in public lists and results."),
                  excluded: _("You are not in the draw: a leader has taken you out of it."),
                  inactive: _("You are not in the draw: the directory does not list you as active."),
                  unknown: _("You are not in the draw: the directory does not know you yet.")},
            waiting: _("The winners have not been drawn yet."),
            drawnOn: _("Drawn on {date}."),
            oneTicket: _("Your ticket was no. {first} of {total}."),
            tickets: _("Your tickets were nos. {first}–{last} of {total}."),
            noTickets: _("You had no tickets in this draw."),
            won: _("You won! Congratulations."), lost: _("You did not win this time."),
            down: _("Your tickets are unavailable right now.")};
  }

  /* The rule and the commitment, in the same words on the widget and on the leaders' page. */
  function ruleTexts(_, ngettext) {
    return {how: _("How tickets are earned"),
            base: function (n) {
              return ngettext("Contribute something in the month – publish, submit an idea, build on an idea or " +
                              "comment – and you get {n} ticket.",
                              "Contribute something in the month – publish, submit an idea, build on an idea or " +
                              "comment – and you get {n} tickets.", n);
            },
            recognisers: function (n) {
              return ngettext("One more for every colleague who recognises you (a like, a comment, a Bra!) when you " +
                              "have not recognised them that month.",
                              "One more for every {n} colleagues who recognise you (a like, a comment, a Bra!) when " +
                              "you have not recognised them that month.", n);
            },
            ideaOwners: function (n) {
              return ngettext("One more for every colleague whose idea you build on.",
                              "One more for every {n} colleagues whose ideas you build on.", n);
            },
            ideasMost: function (n) {
              return ngettext("Building on ideas gives at most {n} ticket.",
                              "Building on ideas gives at most {n} tickets.", n);
            },
            circles: _("Support that only goes round a closed group of colleagues does not count."),
            cap: function (n) {
              return ngettext("At most {n} ticket each. Recognising yourself never counts.",
                              "At most {n} tickets each. Recognising yourself never counts.", n);
            },
            after: _("The winners are drawn after the month has ended, with each ticket an equal chance."),
            sealed: _("Sealed in advance:"),
            notSealed: _("This month's draw has not been sealed."),
            /* TRANSLATORS: explains the commitment; the fingerprint itself is shown below the sentence. */
            sealExplained: _("Tillit chose the secret number the draw uses in advance and published its " +
                             "fingerprint (SHA-256), below. The number is shown only after the draw, so anyone can " +
                             "check that it was not changed."),
            sealedOn: _("Sealed on {date}."), fingerprint: _("Fingerprint of the draw's secret number")};
  }

  function locales(lang) {
    /* a browser without nynorsk's dates (Chromium has none) takes bokmål's: the month names are the same */
    return lang === "nn" ? ["nn", "nb"] : lang === "en" ? ["en-GB"] : [lang];
  }

  function thisMonth() {
    var d = new Date();
    return d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0");
  }

  /* "november" in this year, "november 2025" in another. */
  function monthName(month, lang) {
    var parts = month.split("-"), options = {month: "long", timeZone: "UTC"};
    if (+parts[0] !== new Date().getFullYear()) options.year = "numeric";
    try {
      return new Intl.DateTimeFormat(locales(lang), options).format(new Date(Date.UTC(+parts[0], +parts[1] - 1, 15)));
    } catch (e) { return month; }
  }

  function day(iso, lang) {
    var when = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : iso + "Z");  /* the API's times are UTC */
    return isNaN(when.getTime()) ? iso
      : when.toLocaleDateString(locales(lang), {day: "numeric", month: "long", year: "numeric"});
  }

  /* "3f9a2c1d…5e81b0c4": enough to compare by eye; the whole is in the title and where it is copied. */
  function short(hash) {
    return hash && hash.length > 20 ? hash.slice(0, 8) + "…" + hash.slice(-8) : hash || "";
  }

  function hashLine(label, hash, cls) {
    var line = el("p", {"class": cls || "tillit-lottery-seal"});
    line.append(label + " ", el("code", {"class": "tillit-lottery-short", title: hash}, short(hash)));
    return line;
  }

  /* The rule in plain words, as a list. ``rule``: {base, recognisers_per_ticket, idea_owners_per_ticket,
   * ideas_most, cap}. */
  function ruleList(holder, rule) {
    var r = core.texts(holder, ruleTexts), list = el("ul", {"class": "tillit-lottery-rule-list"});
    [r.base(rule.base), r.recognisers(rule.recognisers_per_ticket), r.ideaOwners(rule.idea_owners_per_ticket),
     r.ideasMost(rule.ideas_most), r.circles, r.cap(rule.cap), r.after]
      .forEach(function (text) { list.append(el("li", {}, text)); });
    return list;
  }

  /* The commitment explained, its date, and the whole hash as text to select and copy. */
  function sealDetails(holder, body, lang) {
    var r = core.texts(holder, ruleTexts), box = el("div", {"class": "tillit-lottery-seal-details tillit-stack"});
    if (!body.commitment) { box.append(el("p", {}, r.notSealed)); return box; }
    box.append(el("p", {}, r.sealExplained));
    if (body.committed_at) box.append(el("p", {"class": "tillit-muted"}, r.sealedOn.replace("{date}", day(body.committed_at, lang))));
    box.append(el("code", {"class": "tillit-lottery-hash", "aria-label": r.fingerprint, "data-hash": "commitment"},
                  body.commitment));
    return box;
  }

  var STYLE = [
    ":where(.tillit-lottery){display:flex;flex-direction:column;flex-wrap:nowrap;align-items:stretch;gap:var(--tillit-space);",
    "color:var(--tillit-text);",
    "max-width:44rem;overflow-wrap:anywhere}",
    ":where(.tillit-lottery p, .tillit-lottery ul){margin:0}",
    ":where(.tillit-lottery ul){padding-inline-start:1.25rem}",
    ":where(.tillit-lottery-status:empty){display:none}",
    ":where(.tillit-lottery-count){font-size:var(--tillit-size-l);font-weight:700;line-height:1.3}",
    ":where(.tillit-lottery-parts){color:var(--tillit-muted)}",
    ":where(.tillit-lottery-why){border-inline-start:4px solid var(--tillit-warn);padding-inline-start:var(--tillit-space)}",
    ":where(.tillit-lottery-result){border-inline-start:4px solid var(--tillit-accent);padding-inline-start:var(--tillit-space);",
    "display:flex;flex-direction:column;gap:.25rem}",
    ":where(.tillit-lottery-result[data-won=true]){border-inline-start-color:var(--tillit-ok)}",
    ":where(.tillit-lottery-won){color:var(--tillit-ok);font-weight:700}",
    ":where(.tillit-lottery-seal){font-size:var(--tillit-size-s);color:var(--tillit-muted)}",
    ":where(.tillit-lottery-short, .tillit-lottery-hash){font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;",
    "font-size:var(--tillit-size-s);color:var(--tillit-text)}",
    ":where(.tillit-lottery-hash){display:block;overflow-wrap:anywhere;word-break:break-all;padding:calc(var(--tillit-space) * .5)",
    " var(--tillit-space);background:var(--tillit-surface);border:1px solid var(--tillit-border);",
    "border-radius:calc(var(--tillit-radius) * .75);user-select:all}",
    ":where(.tillit-lottery-rule > summary){cursor:pointer;color:var(--tillit-accent);font-weight:600;width:max-content;max-width:100%}",
    ":where(.tillit-lottery-rule[open] > summary){margin-bottom:var(--tillit-space)}",
    ":where(.tillit-lottery-rule-list){display:flex;flex-direction:column;gap:.25rem}",
    ":where(.tillit-lottery-seal-details){margin-top:var(--tillit-space);gap:var(--tillit-space)}"
  ].join("");

  function headline(t, body, name) {
    var n = body.tickets || 0, over = body.draw || body.period === "ended";
    var text = n ? (body.draw ? t.had(n) : t.have(n)) : over ? t.noneHad : t.noneYet;
    return el("p", {"class": "tillit-lottery-count", "data-tickets": String(n)}, text.replace("{month}", name));
  }

  function parts(t, body) {
    var p = body.parts || {}, list = el("ul", {"class": "tillit-lottery-parts"});
    if (p.base) list.append(el("li", {}, t.forContributing(p.base)));
    /* a frozen month keeps the tickets, not how many colleagues they came from */
    var known = function (n) { return typeof n === "number"; };
    if (p.recognised) {
      list.append(el("li", {}, known(body.recognisers) ? t.forRecognition(p.recognised)
        .replace("{colleagues}", t.colleagues(body.recognisers)) : t.forRecognitionOnly(p.recognised)));
    }
    if (p.ideas) {
      list.append(el("li", {}, known(body.idea_owners) ? t.forIdeas(p.ideas)
        .replace("{colleagues}", t.colleagues(body.idea_owners)) : t.forIdeasOnly(p.ideas)));
    }
    return list.children.length ? list : null;
  }

  /* What earns the next ticket: contributing at all, or more recognisers or idea owners (either
     is enough); nothing at the cap. */
  function next(t, body) {
    var steps = body.next || [];
    if (!steps.length) return body.tickets >= body.cap && !body.draw ? el("p", {"class": "tillit-lottery-next"}, t.atCap(body.cap)) : null;
    if (steps[0].kind === "contribute") return el("p", {"class": "tillit-lottery-next"}, t.contribute);
    var box = el("div", {"class": "tillit-lottery-next"}), list = el("ul", {});
    steps.forEach(function (step) {
      list.append(el("li", {"data-kind": step.kind}, step.kind === "ideas" ? t.moreIdeaOwners(step.more) : t.moreRecognisers(step.more)));
    });
    box.append(el("p", {}, steps.length > 1 ? t.nextEither : t.nextOne), list);
    return box;
  }

  function result(t, draw, lang) {
    var box = el("div", {"class": "tillit-lottery-result", "data-won": String(!!draw.won)});
    var none = draw.first_ticket === null || draw.first_ticket === undefined;
    var numbers = none ? t.noTickets
      : (draw.first_ticket === draw.last_ticket ? t.oneTicket : t.tickets).replace("{first}", draw.first_ticket)
        .replace("{last}", draw.last_ticket).replace("{total}", draw.total_tickets);
    box.append(el("p", {}, t.drawnOn.replace("{date}", day(draw.drawn_at, lang)) + " " + numbers));
    if (none) return box;  /* without a ticket, "you did not win" would say nothing new */
    box.append(el("p", {"class": draw.won ? "tillit-lottery-won" : "", "data-outcome": draw.won ? "won" : "lost"},
                  draw.won ? t.won : t.lost));
    return box;
  }

  function render(holder, body, month, t, lang) {
    var r = core.texts(holder, ruleTexts), name = monthName(body.month, lang);
    holder.textContent = "";
    holder.append(headline(t, body, name));
    if (body.period === "future") holder.append(el("p", {"class": "tillit-muted"}, t.notStarted));
    var p = body.tickets ? parts(t, body) : null;
    if (p) holder.append(p);
    if (!body.eligible && t.why[body.why_not]) holder.append(el("p", {"class": "tillit-lottery-why", "data-why-not": body.why_not}, t.why[body.why_not]));
    if (body.draw) holder.append(result(t, body.draw, lang));
    else if (body.period === "ended") holder.append(el("p", {"class": "tillit-muted"}, t.waiting));
    else if (body.eligible) {  /* what earns the next ticket only while the month can still earn one */
      var n = next(t, body);
      if (n) holder.append(n);
    }
    holder.append(body.commitment ? hashLine(r.sealed, body.commitment) : el("p", {"class": "tillit-lottery-seal"}, r.notSealed));
    var details = el("details", {"class": "tillit-lottery-rule"});
    details.append(el("summary", {}, r.how));
    if (month.rule) details.append(ruleList(holder, month.rule));
    details.append(sealDetails(holder, body, lang));
    holder.append(details);
    holder.setAttribute("data-state", body.draw ? "drawn" : "ready");
  }

  function widget(holder) {
    var lang = core.language(holder), t = core.texts(holder, texts);
    var month = holder.getAttribute("data-tillit-month");
    month = /^\d{4}-\d\d$/.test(month || "") ? month : "";
    holder.classList.add("tillit", "tillit-lottery");
    holder.setAttribute("data-state", "loading");
    var status = el("p", {"class": "tillit-muted tillit-lottery-status", role: "status"}, t.loading);
    holder.textContent = "";
    holder.append(status);
    core.json("GET", "/v1/lottery/me" + (month ? "?month=" + month : "")).then(function (body) {
      /* the rule is the month's; without it the widget still says the person's tickets */
      return core.json("GET", "/v1/lottery/" + (body.month || month || thisMonth())).then(
        function (record) { render(holder, body, record, t, lang); },
        function () { render(holder, body, {}, t, lang); });
    }).catch(function (failure) {
      holder.textContent = "";
      holder.append(el("p", {"class": "tillit-error tillit-lottery-status", role: "alert"},
                       core.problem(holder, failure, {down: t.down})));
      holder.setAttribute("data-state", "offline");
    });
  }

  window.TillitCore.lottery = Object.assign(window.TillitCore.lottery || {}, {ruleTexts: ruleTexts, ruleList: ruleList,
    sealDetails: sealDetails, hashLine: hashLine, short: short, day: day});

  function start() {
    window.TillitCore.style("lottery", STYLE);
    Array.prototype.forEach.call(document.querySelectorAll("[data-tillit-lottery]"), widget);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
