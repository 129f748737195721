/* The monthly draw on the leaders' awards page (tillit-awards.js puts it under the month's
 * announcement): the rule in words, the month's commitment, the list of people taken out of every
 * draw (add by person id with a reason, remove), and the draw itself behind a confirmation, with
 * the focus on Cancel, as finalising has. No totals before the draw (the API gives none). Once
 * drawn: the winners with their ticket numbers, the revealed seed, the digest of the frozen list
 * and how anyone checks it: `engagement lottery verify record.json` on the record, which is the
 * JSON of GET /v1/lottery/<month>, downloadable here.
 *
 * TillitCore.lottery.leaders(month, name, lang, holder) -> a <section> that loads itself.
 */
(function () {
  "use strict";
  var core = window.TillitCore(document.currentScript), el = core.el;
  var made = 0;

  function texts(_, ngettext) {
    return {title: _("The monthly draw"), loading: _("Loading the draw…"), winnersTitle: _("Winners"),
            waiting: _("The winners have not been drawn yet."),
            people: function (n) { return ngettext("{n} person", "{n} people", n); },
            tickets: function (n) { return ngettext("{n} ticket", "{n} tickets", n); },
            /* TRANSLATORS: {people} and {tickets} are counted phrases: "12 people", "31 tickets". */
            drawnAmong: _("Drawn on {date} among {people} with {tickets}."),
            /* TRANSLATORS: the label of the field for how many winners to draw. */
            winners: _("Number of winners (1–50)"),
            draw: _("Draw the winners"), drawn: _("The winners are drawn."),
            confirmTitle: function (n) { return ngettext("Draw {n} winner for {month}?", "Draw {n} winners for {month}?", n); },
            confirmText: _("The draw is made once and cannot be undone. The winners, the secret number and the " +
                           "frozen list of tickets are kept and shown as they are."),
            cancel: _("Cancel"), confirm: _("Draw now"),
            notOver: _("You can draw the winners once the month has ended."),
            noCommitment: _("This month's draw was not sealed in advance, so it cannot be drawn."),
            already: _("This month has already been drawn."),
            counting: _("Still counting the last events; try again shortly."),
            winnersInvalid: _("Choose between 1 and 50 winners."),
            place: _("Winner {place}"),
            ticketOf: _("ticket no. {ticket} of nos. {first}–{last}"), ticketOnly: _("ticket no. {ticket}"),
            nobody: _("Nobody had a ticket, so nobody was drawn."),
            fewer: _("Fewer winners than asked for: everyone in the draw won."),
            check: _("How to check the draw"),
            checkText: _("The seed is the secret number sealed before the month ended: its SHA-256 is the " +
                         "fingerprint published then. Drawing again from it gives the same winners, so anyone " +
                         "with the record can check the draw."),
            seed: _("Seed"), fingerprint: _("Fingerprint"), digest: _("Digest of the frozen list"),
            algorithm: _("Algorithm"),
            run: _("Then check it with:"), download: _("Download the record (JSON)"),
            excluded: _("Taken out of the draw"),
            excludedText: _("People on this list are not drawn. A month that has ended keeps the list as it stood " +
                            "when its tickets were frozen, just after its end."),
            nobodyExcluded: _("Nobody is taken out."),
            person: _("Person id"), reason: _("Reason (optional)"),
            exclude: _("Take out of the draw"), remove: _("Put back"), removeName: _("Put {name} back in the draw"),
            /* TRANSLATORS: who took a person out of the draw, and when: "by Lena Berg, 3 December 2026". */
            addedBy: _("by {by}, {date}"),
            unknownPerson: _("Nobody in the directory has this id."),
            excludedSaid: _("{name} is taken out of the draw."), includedSaid: _("{name} is back in the draw."),
            needPerson: _("Write the person's id.")};
  }

  var STYLE = [
    ":where(.tillit-lottery-admin h3, .tillit-lottery-admin h4){margin:0;line-height:1.25}",
    ":where(.tillit-lottery-admin p, .tillit-lottery-admin ul, .tillit-lottery-admin ol, .tillit-lottery-admin dl){margin:0}",
    ":where(.tillit-lottery-admin){overflow-wrap:anywhere}",
    ":where(.tillit-lottery-admin ul){padding-inline-start:1.25rem}",
    ":where(.tillit-lottery-cards){display:grid;gap:calc(var(--tillit-space) * 2);",
    "grid-template-columns:repeat(auto-fit, minmax(min(100%, 22rem), 1fr));align-items:start}",
    ":where(.tillit-lottery-cards > .tillit-card){min-width:0}",
    ":where(.tillit-lottery-form){display:flex;flex-wrap:wrap;align-items:flex-end;gap:var(--tillit-space)}",
    ":where(.tillit-lottery-form .tillit-field){width:auto;flex:1 1 10rem}",
    ":where(.tillit-lottery-form input[type=number]){width:7rem}",
    ":where(.tillit-lottery-hint){font-size:var(--tillit-size-s);color:var(--tillit-muted)}",
    ":where(ol.tillit-lottery-winners){list-style:none;padding:0;display:flex;flex-direction:column;",
    "gap:calc(var(--tillit-space) * .75)}",
    ":where(.tillit-lottery-winners li){display:flex;flex-wrap:wrap;align-items:baseline;gap:0 var(--tillit-space)}",
    ":where(.tillit-lottery-place){display:inline-flex;align-items:center;justify-content:center;min-width:1.75rem;",
    "height:1.75rem;border-radius:50%;background:var(--tillit-accent);color:var(--tillit-accent-text);font-weight:700;",
    "font-size:var(--tillit-size-s);align-self:center}",
    ":where(.tillit-lottery-winner){font-weight:700;font-size:var(--tillit-size-l)}",
    ":where(.tillit-lottery-facts){display:grid;grid-template-columns:max-content minmax(0, 1fr);",
    "gap:calc(var(--tillit-space) * .5) var(--tillit-space)}",
    ":where(.tillit-lottery-facts dt){font-weight:600}",
    ":where(.tillit-lottery-facts dd){margin:0;min-width:0}",
    ":where(.tillit-lottery-facts code, .tillit-lottery-command){font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,",
    "monospace;font-size:var(--tillit-size-s);word-break:break-all}",
    ":where(.tillit-lottery-command){display:block;padding:calc(var(--tillit-space) * .5) var(--tillit-space);",
    "background:var(--tillit-bg);border:1px solid var(--tillit-border);border-radius:calc(var(--tillit-radius) * .75)}",
    ":where(.tillit-lottery-excluded){list-style:none;padding:0;display:flex;flex-direction:column;",
    "gap:var(--tillit-space)}",
    ":where(.tillit-lottery-excluded li){display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;",
    "gap:calc(var(--tillit-space) * .5) var(--tillit-space);padding-bottom:var(--tillit-space);",
    "border-bottom:1px solid var(--tillit-border)}",
    ":where(.tillit-lottery-who){display:flex;flex-direction:column;min-width:0}",
    ":where(.tillit-lottery-said:empty){display:none}",
    ":where(.tillit-lottery-said){color:var(--tillit-ok);font-weight:600}",
    ":where(.tillit-lottery-said[data-tone=error]){color:var(--tillit-danger)}",
    "@media (max-width: 30rem){:where(.tillit-lottery-facts){grid-template-columns:minmax(0, 1fr)}",
    ":where(.tillit-lottery-facts dd){margin-bottom:var(--tillit-space)}}"
  ].join("");

  function say(where, text, error) {
    where.textContent = text;
    if (error) where.setAttribute("data-tone", "error"); else where.removeAttribute("data-tone");
  }

  function fill(text, values) {
    return Object.keys(values).reduce(function (out, key) { return out.split("{" + key + "}").join(String(values[key])); }, text);
  }

  function field(label, input, hint) {
    var box = el("div", {"class": "tillit-field"});
    box.append(el("label", {"for": input.id}, label), input);
    if (hint) {
      var note = el("p", {id: input.id + "-hint", "class": "tillit-lottery-hint"}, hint);
      input.setAttribute("aria-describedby", note.id);
      box.append(note);
    }
    return box;
  }

  function leaders(month, name, lang, page) {
    var t = core.texts(page, texts), lottery = window.TillitCore.lottery;
    var refused = {"Already drawn": t.already, "Month not over": t.notOver, "Still counting": t.counting,
                   "No commitment": t.noCommitment, 422: t.winnersInvalid};
    var id = "tillit-lottery-title-" + (++made);
    var section = el("section", {"class": "tillit-stack tillit-lottery-admin", "aria-labelledby": id, "data-state": "loading"});
    var title = el("h3", {id: id, tabindex: "-1"}, t.title + " – " + name);
    var drawCard = el("div", {"class": "tillit-card tillit-stack", "data-part": "draw"});
    var outCard = el("div", {"class": "tillit-card tillit-stack", "data-part": "exclusions"});
    var cards = el("div", {"class": "tillit-lottery-cards"});
    var about = el("div", {"class": "tillit-stack tillit-lottery-about"});  /* the rule, the seal, how to check */
    var drawSaid = el("p", {"class": "tillit-lottery-said", role: "status", "data-for": "draw"});
    var outSaid = el("p", {"class": "tillit-lottery-said", role: "status", "data-for": "exclusions"});
    cards.append(drawCard, outCard);
    section.append(title, el("p", {"class": "tillit-muted", role: "status"}, t.loading));

    function counted(people, tickets) {
      return {people: t.people(people), tickets: t.tickets(tickets)};
    }

    function facts(rows) {
      var list = el("dl", {"class": "tillit-lottery-facts"});
      rows.forEach(function (row) {
        var value = el("dd", {});
        value.append(row[2] === "code" ? el("code", {"data-hash": row[3] || ""}, row[1]) : row[1]);
        list.append(el("dt", {}, row[0]), value);
      });
      return list;
    }

    function winnersList(draw) {
      if (!draw.winners.length) return el("p", {}, t.nobody);
      var list = el("ol", {"class": "tillit-lottery-winners"});
      draw.winners.slice().sort(function (a, b) { return a.place - b.place; }).forEach(function (w) {
        var item = el("li", {"data-person": w.person, "data-ticket": String(w.ticket)});
        item.append(el("span", {"class": "tillit-lottery-place", role: "img", "aria-label": fill(t.place, {place: w.place})},
                       String(w.place)),
                    el("span", {"class": "tillit-lottery-winner"}, w.name || w.person),
                    el("span", {"class": "tillit-muted"}, fill(w.first_ticket === w.last_ticket ? t.ticketOnly : t.ticketOf,
                                                               {ticket: w.ticket, first: w.first_ticket, last: w.last_ticket})));
        list.append(item);
      });
      return list;
    }

    function download(button) {
      return core.json("GET", "/v1/lottery/" + month).then(function (record) {
        var blob = new Blob([JSON.stringify(record, null, 2) + "\n"], {type: "application/json"});
        var link = el("a", {href: URL.createObjectURL(blob), download: "tillit-lottery-" + month + ".json"});
        document.body.append(link);
        link.click();
        link.remove();
        setTimeout(function () { URL.revokeObjectURL(link.href); }, 10000);
      }, function (failure) { say(drawSaid, core.problem(page, failure), true); button.focus(); });
    }

    /* The drawn month: winners, then what it takes to check them. */
    function drawnView(record) {
      var draw = record.draw, parts = [];
      parts.push(el("p", {}, fill(t.drawnAmong, Object.assign({date: lottery.day(draw.drawn_at, lang)},
                                                              counted(draw.people, draw.total_tickets)))));
      parts.push(winnersList(draw));
      if (draw.winners.length && draw.winners.length < draw.winners_asked) parts.push(el("p", {"class": "tillit-muted"}, t.fewer));
      var check = el("div", {"class": "tillit-card tillit-stack", "data-part": "check"});
      var row = el("div", {"class": "tillit-row"});
      var button = el("button", {type: "button", "class": "tillit-button", "data-action": "download"}, t.download);
      button.addEventListener("click", function () { download(button); });
      check.append(el("h4", {}, t.check), el("p", {}, t.checkText),
                   facts([[t.seed, draw.seed, "code", "seed"], [t.fingerprint, record.commitment, "code", "commitment"],
                          [t.digest, draw.digest, "code", "digest"], [t.algorithm, draw.algorithm, "code", "algorithm"]]),
                   row);
      row.append(button);
      check.append(el("p", {}, t.run),
                   el("code", {"class": "tillit-lottery-command"}, "engagement lottery verify tillit-lottery-" + month + ".json"));
      parts.push(check);
      return parts;
    }

    function drawForm() {
      var form = el("form", {"class": "tillit-lottery-form", novalidate: ""});
      var input = el("input", {id: "tillit-lottery-winners-" + (++made), type: "number", min: "1", max: "50", step: "1",
                               value: "3", required: "", inputmode: "numeric", "class": "tillit-input", name: "winners"});
      var button = el("button", {type: "submit", "class": "tillit-button tillit-button--primary", "data-action": "draw"}, t.draw);
      var box = el("div", {"class": "tillit-field"}), row = el("div", {"class": "tillit-row"});
      row.append(input, button);  /* the button right after the number, under their label */
      box.append(el("label", {"for": input.id}, t.winners), row);
      form.append(box);
      form.addEventListener("submit", function (e) {
        e.preventDefault();
        say(drawSaid, "");
        var n = Number(input.value);
        if (!(n >= 1 && n <= 50 && Math.floor(n) === n)) { say(drawSaid, t.winnersInvalid, true); input.focus(); return; }
        core.ask(t.confirmTitle(n).replace("{month}", name), [el("p", {}, t.confirmText)], t, function (yes) {
          if (!yes) { button.focus(); return; }
          button.disabled = true;
          core.json("POST", "/v1/lottery/" + month + "/draw", {winners: n}).then(function (record) {
            show(record);
            say(drawSaid, t.drawn);
            title.focus();
            load();  /* the exclusion list as it stands now */
          }, function (failure) {
            button.disabled = false; button.focus();
            say(drawSaid, core.problem(page, failure, refused), true);
          });
        });
      });
      return form;
    }

    function drawPart(record) {
      drawCard.textContent = "";
      about.textContent = "";
      var why = {not_over: t.notOver, no_commitment: t.noCommitment};
      drawCard.append(el("h4", {}, t.winnersTitle));
      if (record.draw) {
        var parts = drawnView(record);
        parts.slice(0, -1).forEach(function (part) { drawCard.append(part); });
        about.append(parts[parts.length - 1]);
      } else {
        /* no totals before the draw, for leaders either: with the exclusion list at hand, the totals
           before and after taking someone out would tell that person's tickets */
        if (record.drawable) drawCard.append(el("p", {"data-not-drawn": ""}, t.waiting), drawForm());
        else if (why[record.why_not_drawable]) drawCard.append(el("p", {"class": "tillit-muted", "data-not-drawable": record.why_not_drawable},
                                                                  why[record.why_not_drawable]));
      }
      drawCard.append(drawSaid);
      var rule = el("details", {"class": "tillit-lottery-rule"});
      rule.append(el("summary", {}, core.texts(page, lottery.ruleTexts).how), lottery.ruleList(page, record.rule));
      about.append(rule);
      if (!record.draw) about.append(lottery.sealDetails(page, record, lang));  /* drawn: the check names it */
    }

    function exclusionsPart(list) {
      outCard.textContent = "";
      outCard.append(el("h4", {}, t.excluded), el("p", {"class": "tillit-muted"}, t.excludedText));
      if (!list.length) outCard.append(el("p", {"data-nobody-excluded": ""}, t.nobodyExcluded));
      else {
        var ul = el("ul", {"class": "tillit-lottery-excluded"});
        list.forEach(function (entry) {
          var item = el("li", {"data-person": entry.person}), who = el("div", {"class": "tillit-lottery-who"});
          who.append(el("strong", {}, entry.name || entry.person));
          if (entry.reason) who.append(el("span", {}, entry.reason));
          /* the API names who added them by principal ("user:demo-lena"); the person's id reads better */
          var by = String(entry.added_by || "–").replace(/^user:/, "");
          who.append(el("span", {"class": "tillit-muted"}, fill(t.addedBy, {by: by,
                                                                            date: lottery.day(entry.added_at, lang)})));
          var remove = el("button", {type: "button", "class": "tillit-button tillit-button--danger", "data-action": "include",
                                     "aria-label": fill(t.removeName, {name: entry.name || entry.person})}, t.remove);
          remove.addEventListener("click", function () {
            remove.disabled = true;
            core.json("DELETE", "/v1/lottery/exclusions/" + encodeURIComponent(entry.person)).then(function () {
              say(outSaid, fill(t.includedSaid, {name: entry.name || entry.person}));
              load(outSaid);
            }, function (failure) { remove.disabled = false; say(outSaid, core.problem(page, failure), true); });
          });
          item.append(who, remove);
          ul.append(item);
        });
        outCard.append(ul);
      }
      outCard.append(excludeForm(), outSaid);
    }

    function excludeForm() {
      var form = el("form", {"class": "tillit-lottery-form", novalidate: ""});
      var person = el("input", {id: "tillit-lottery-person-" + (++made), type: "text", name: "person", required: "",
                                autocomplete: "off", spellcheck: "false", "class": "tillit-input"});
      var reason = el("input", {id: "tillit-lottery-reason-" + made, type: "text", name: "reason", maxlength: "500",
                                autocomplete: "off", "class": "tillit-input"});
      var button = el("button", {type: "submit", "class": "tillit-button", "data-action": "exclude"}, t.exclude);
      form.append(field(t.person, person), field(t.reason, reason), button);
      form.addEventListener("submit", function (e) {
        e.preventDefault();
        var who = person.value.trim();
        if (!who) { say(outSaid, t.needPerson, true); person.focus(); return; }
        button.disabled = true;
        var body = reason.value.trim() ? {reason: reason.value.trim()} : {};
        core.json("PUT", "/v1/lottery/exclusions/" + encodeURIComponent(who), body).then(function (entry) {
          say(outSaid, fill(t.excludedSaid, {name: entry.name || who}));
          load(outSaid);
        }, function (failure) {
          button.disabled = false; person.focus();
          say(outSaid, core.problem(page, failure, {404: t.unknownPerson}), true);
        });
      });
      return form;
    }

    function show(record) {
      drawPart(record);
      section.setAttribute("data-state", record.draw ? "drawn" : record.drawable ? "drawable" : "waiting");
    }

    /* ``focus``: an element to keep the focus near after the list changed (its status line). */
    function load(focus) {
      Promise.all([core.json("GET", "/v1/lottery/" + month),
                   core.json("GET", "/v1/lottery/exclusions").then(function (b) { return b.people || []; })])
        .then(function (all) {
          /* the title stays where it is: after a draw it holds the focus */
          while (title.nextSibling) title.nextSibling.remove();
          section.append(cards, about);
          show(all[0]);
          exclusionsPart(all[1]);
          if (focus && focus.isConnected) {
            var first = outCard.querySelector("input");
            if (first) first.focus();
          }
        }, function (failure) {
          while (title.nextSibling) title.nextSibling.remove();
          section.append(el("p", {"class": "tillit-error", role: "alert"}, core.problem(page, failure, refused)));
          section.setAttribute("data-state", "offline");
        });
    }

    window.TillitCore.style("lottery-leaders", STYLE);
    load();
    return section;
  }

  window.TillitCore.lottery = window.TillitCore.lottery || {};
  window.TillitCore.lottery.leaders = leaders;
})();
