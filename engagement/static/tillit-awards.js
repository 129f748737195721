/* The leaders' awards page: one month's winners as cards with the facts behind each win in words,
 * the announcement as it will look with buttons that copy it as Markdown, HTML or for Teams (and
 * publish it to a configured chat channel once final), finalising behind a confirmation, and the
 * month's draw under it all (tillit-lottery-leaders.js, in the same bundle ahead of this file).
 *
 *   <section data-tillit-awards data-tillit-month="2026-10"></section>   (leaders; last month if no month)
 *
 * data-tillit-heading="3" sets the level of the copied announcement's title (h2 by default: a post
 * pasted into an intranet page sits under that page's own h1).
 *
 * Scores are never shown: they are the ranking's arithmetic, not something a colleague earned.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var core = window.TillitCore(script), el = core.el;
  var CATEGORIES = ["contributor", "idea_developer", "appreciated"];
  var made = 0;

  function texts(_, ngettext) {
    return {title: _("Contributors of the month – {month}"), provisional: _("Provisional – still counting"),
            ended: _("Ended – not finalised yet"), future: _("Not started yet"),
            final: _("Final"), finalisedOn: _("Finalised on {date}"),
            notYet: _("You can finalise the month once it has ended."),
            contributor: _("Contributor of the month"), idea_developer: _("Best developer of other people's ideas"),
            appreciated: _("Most appreciated colleague"), runners: _("Also worth a mention"),
            none: _("Nobody yet"), nobody: _("Nobody this time"), threshold: _("Helped at least three other teams"),
            empty: _("Nobody has been counted for this month. Finalising now freezes an empty result."),
            contributions: function (n) { return ngettext("{n} contribution", "{n} contributions", n); },
            colleagues: function (n) { return ngettext("{n} colleague", "{n} colleagues", n); },
            teams: function (n) { return ngettext("{n} team", "{n} teams", n); },
            ideas: function (n) { return ngettext("{n} idea", "{n} ideas", n); },
            adopted: function (n) { return ngettext("{n} adopted", "{n} adopted", n); },
            /* TRANSLATORS: each name stands for a counted phrase of its own: "4 colleagues", "3 teams". */
            recognisedIn: _("recognised by {colleagues} in {teams}"),
            /* TRANSLATORS: the name stands for a counted phrase: "4 colleagues". */
            recognised: _("recognised by {colleagues}"),
            /* TRANSLATORS: "built on 3 ideas, 1 adopted"; each name stands for the counted phrase of its own. */
            builtAdopted: _("built on {developed_ideas}, {adopted_ideas}"),
            /* TRANSLATORS: "built on 3 ideas"; the name stands for the counted phrase "3 ideas". */
            built: _("built on {developed_ideas}"),
            announcement: _("The announcement"), asItLooks: _("As it will look in the news post:"),
            copyMarkdown: _("Copy as Markdown"), copyHtml: _("Copy as HTML"), copyTeams: _("Copy for Teams"),
            copied: _("Copied"), copyFailed: _("Could not copy. Select the text and copy it yourself."),
            channel: _("Channel"), publish: _("Publish to channel"), published: _("Published to {channel}."),
            alreadyPublished: _("Already published to this channel."),
            notFinal: _("Finalise the month before publishing it."),
            finalise: _("Finalise and freeze the result"), frozen: _("The result is frozen."),
            confirmTitle: _("Finalise {month}?"),
            confirmText: _("The winners are frozen as they stand now. This cannot be undone."),
            cancel: _("Cancel"), confirm: _("Finalise for good"),
            notOver: _("The month has not ended yet."), counting: _("Still counting the last events; try again shortly.")};
  }

  window.TillitCore.style("awards", [
    ":where(.tillit-awards){color:var(--tillit-text)}",
    ":where(.tillit-awards .tillit-row > p){margin:0}",
    ":where(.tillit-awards h2, .tillit-awards h3, .tillit-awards h4){margin:0;line-height:1.25}",
    ":where(.tillit-awards h2){font-size:var(--tillit-size-xl)}",
    ":where(.tillit-award-grid){display:grid;gap:calc(var(--tillit-space) * 2);",
    "grid-template-columns:repeat(auto-fit, minmax(14rem, 1fr));margin:0;padding:0;list-style:none}",
    /* a long name without a place to break wraps inside its card: the card and the name may shrink below it */
    ":where(.tillit-award-card){display:flex;flex-direction:column;gap:var(--tillit-space);min-width:0;",
    "overflow-wrap:anywhere}",
    ":where(.tillit-award-category){font-size:var(--tillit-size-s);font-weight:600;color:var(--tillit-muted);",
    "text-transform:uppercase;letter-spacing:.04em}",
    ":where(.tillit-award-winner){display:flex;align-items:center;gap:calc(var(--tillit-space) * 1.5)}",
    ":where(.tillit-award-name){font-size:var(--tillit-size-l);font-weight:700;min-width:0;overflow-wrap:anywhere}",
    ":where(.tillit-avatar){flex:none;display:inline-flex;align-items:center;justify-content:center;",
    "width:3.25rem;height:3.25rem;border-radius:50%;background:var(--tillit-accent);color:var(--tillit-accent-text);",
    "font-weight:700;font-size:var(--tillit-size-l)}",
    ":where(.tillit-award-facts){margin:0}",
    ":where(.tillit-award-runners){margin:0;font-size:var(--tillit-size-s)}",
    ":where(.tillit-announcement-preview){background:var(--tillit-bg);border:1px solid var(--tillit-border);",
    "border-radius:var(--tillit-radius);padding:calc(var(--tillit-space) * 2) calc(var(--tillit-space) * 3);",
    "max-width:44rem;overflow-wrap:anywhere}",
    ":where(.tillit-announcement-preview h3){font-size:var(--tillit-size-l);margin-bottom:var(--tillit-space)}",
    ":where(.tillit-announcement-preview h4){font-size:var(--tillit-size-m);margin-top:calc(var(--tillit-space) * 2)}",
    ":where(.tillit-announcement-preview ul){margin:calc(var(--tillit-space) * .5) 0;padding-inline-start:1.25rem}",
    ":where(.tillit-dialog){max-width:min(30rem, calc(100vw - 2rem));border:1px solid var(--tillit-border);",
    "border-radius:var(--tillit-radius);background:var(--tillit-bg);color:var(--tillit-text);",
    "padding:calc(var(--tillit-space) * 3)}",
    ":where(.tillit-dialog)::backdrop{background:rgba(0, 0, 0, .55)}",
    ":where(.tillit-award-said:empty){display:none}",
    ":where(.tillit-award-said){margin:0;color:var(--tillit-ok);font-weight:600}",
    ":where(.tillit-award-said[data-tone=error]){color:var(--tillit-danger)}"
  ].join(""));

  function previousMonth() {
    var d = new Date(); d.setDate(1); d.setMonth(d.getMonth() - 1);
    return d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0");
  }

  function monthName(month, lang) {
    var parts = month.split("-");
    try {
      return new Intl.DateTimeFormat(lang, {month: "long", year: "numeric", timeZone: "UTC"})
        .format(new Date(Date.UTC(+parts[0], +parts[1] - 1, 15)));
    } catch (e) { return month; }
  }

  function initials(name) {
    var words = String(name).trim().split(/\s+/).filter(Boolean);
    var first = words[0] || "?", last = words.length > 1 ? words[words.length - 1] : "";
    return (first.charAt(0) + last.charAt(0)).toUpperCase();
  }

  /* "14 contributions, recognised by 23 colleagues in 5 teams": counts of nothing are left out, as
     in the announcement (engagement/awards/announcement.py), never "0 colleagues in 0 teams". */
  function reason(facts, category, t) {
    facts = facts || {};
    var parts = [], n = function (key) { return Number(facts[key]) || 0; };
    if (n("contributions")) parts.push(t.contributions(n("contributions")));
    if (n("colleagues")) {
      parts.push(n("teams") ? t.recognisedIn.replace("{colleagues}", t.colleagues(n("colleagues")))
        .replace("{teams}", t.teams(n("teams"))) : t.recognised.replace("{colleagues}", t.colleagues(n("colleagues"))));
    }
    var text = parts.join(", ");
    if (category === "idea_developer" && n("developed_ideas")) {
      var built = n("adopted_ideas") ? t.builtAdopted.replace("{developed_ideas}", t.ideas(n("developed_ideas")))
        .replace("{adopted_ideas}", t.adopted(n("adopted_ideas")))
        : t.built.replace("{developed_ideas}", t.ideas(n("developed_ideas")));
      text = text ? text + "; " + built : built;
    }
    return text ? text.charAt(0).toUpperCase() + text.slice(1) : "";
  }

  /* An empty category says "Nobody yet" only while the month can still change; once it is over, "Nobody this time". */
  function winnerCard(category, podium, t, over) {
    var card = el("li", {"class": "tillit-card tillit-award-card", "data-category": category});
    card.append(el("h3", {"class": "tillit-award-category"}, t[category]));
    if (!podium.length) { card.append(el("p", {"class": "tillit-muted"}, over ? t.nobody : t.none)); return card; }
    var first = podium[0];
    var who = el("div", {"class": "tillit-award-winner"});
    who.append(el("span", {"class": "tillit-avatar", role: "img", "aria-label": first.name}, initials(first.name)),
               el("span", {"class": "tillit-award-name"}, first.name));
    card.append(who);
    var why = reason(first.facts, category, t);
    if (why) card.append(el("p", {"class": "tillit-award-facts"}, why));
    if (podium.length > 1) {
      card.append(el("p", {"class": "tillit-award-runners tillit-muted"}, t.runners + ": " +
        podium.slice(1).map(function (p) { return p.name; }).join(", ")));
    }
    return card;
  }

  /* The server's HTML announcement, rebuilt element by element from text (never parsed into the
     page as HTML), its headings moved below the page's own. */
  function preview(html) {
    var box = el("div", {"class": "tillit-announcement-preview"});
    var parsed = new DOMParser().parseFromString(html, "text/html");
    var top = 0;  /* the announcement's title level (h2 unless the page asked for another) becomes h3 */
    Array.prototype.forEach.call(parsed.body.children, function (node) {
      var level = /^H([1-6])$/.exec(node.tagName);
      if (level) {
        top = top || +level[1];
        box.append(el(+level[1] > top ? "h4" : "h3", {}, node.textContent));
        return;
      }
      if (node.tagName === "P") { box.append(el("p", {}, node.textContent)); return; }
      if (node.tagName !== "UL") return;
      var list = el("ul", {});
      Array.prototype.forEach.call(node.querySelectorAll("li"), function (li) { list.append(el("li", {}, li.textContent)); });
      box.append(list);
    });
    return box;
  }

  /* Teams posts take Markdown's emphasis and lists but not its headings: they become bold lines. */
  function forTeams(markdown) {
    return markdown.replace(/^#{1,6} +(.*)$/gm, "**$1**");
  }

  function copy(text, html) {
    if (!navigator.clipboard) return Promise.reject(new Error("no clipboard"));
    if (html && window.ClipboardItem && navigator.clipboard.write) {
      return navigator.clipboard.write([new ClipboardItem({
        "text/html": new Blob([text], {type: "text/html"}), "text/plain": new Blob([text], {type: "text/plain"})})])
        .catch(function () { return navigator.clipboard.writeText(text); });
    }
    return navigator.clipboard.writeText(text);
  }

  /* What an action came to, next to where it was asked; a refusal in the danger colour. */
  function say(where, text, error) {
    where.textContent = text;
    if (error) where.setAttribute("data-tone", "error"); else where.removeAttribute("data-tone");
  }

  function awardsPage(holder) {
    var month = holder.getAttribute("data-tillit-month") || previousMonth();
    var level = Number(holder.getAttribute("data-tillit-heading"));
    var heading = level >= 1 && level <= 5 ? "&heading=" + level : "";
    var lang = core.language(holder), t = core.texts(holder, texts), name = monthName(month, lang);
    var refused = {"Already final": t.frozen, "Month not over": t.notOver, "Still counting": t.counting,
                   "Already published": t.alreadyPublished, "Not final": t.notFinal};
    holder.classList.add("tillit-awards", "tillit-stack");
    var said = "";  /* what the last action said, kept across a reload */
    var announcedSaid = ["", false];  /* what the announcement's last copy or publish said, likewise */

    /* Say it under the announcement, as it is now: a reload (after finalising) may have drawn it again. */
    function tellAnnounced(text, error) {
      announcedSaid = [text, !!error];
      var at = holder.querySelector("[data-for=announcement]");
      if (at) say(at, text, error);
    }

    function header(body) {
      var head = el("div", {"class": "tillit-stack"});
      var row = el("div", {"class": "tillit-row"});
      var final = body.status === "final", period = final ? "final" : body.period;
      var badges = {final: [t.final, "ok"], ended: [t.ended, "warn"], running: [t.provisional, ""],
                    future: [t.future, ""]}, badge = badges[period] || badges.running;
      row.append(el("h2", {tabindex: "-1"}, t.title.replace("{month}", name)),
                 el("span", {"class": "tillit-badge tillit-award-status" + (badge[1] ? " tillit-badge--" + badge[1] : ""),
                             "data-status": body.status, "data-period": period}, badge[0]));
      head.append(row);
      if (final && body.finalised_at) {
        var when = new Intl.DateTimeFormat(lang, {dateStyle: "long"}).format(new Date(body.finalised_at));
        head.append(el("p", {"class": "tillit-muted"}, t.finalisedOn.replace("{date}", when)));
      }
      return head;
    }

    function isEmpty(result) {
      return !result.threshold.length && CATEGORIES.every(function (c) { return !(result.categories[c] || []).length; });
    }

    function winners(result, over) {
      var grid = el("ul", {"class": "tillit-award-grid"});
      CATEGORIES.forEach(function (c) { grid.append(winnerCard(c, result.categories[c] || [], t, over)); });
      var parts = [grid];
      if (result.threshold.length) {
        var card = el("div", {"class": "tillit-card tillit-stack"});
        card.append(el("h3", {"class": "tillit-award-category"}, t.threshold),
                    el("p", {}, result.threshold.map(function (p) { return p.name; }).join(", ")));
        parts.push(card);
      }
      return parts;
    }

    function copyButtons(markdown, html) {
      var row = el("div", {"class": "tillit-row"});
      [["markdown", t.copyMarkdown, function () { return copy(markdown); }, "Markdown"],
       ["html", t.copyHtml, function () { return copy(html, true); }, "HTML"],
       ["teams", t.copyTeams, function () { return copy(forTeams(markdown)); }, "Teams"]].forEach(function (spec) {
        var button = el("button", {type: "button", "class": "tillit-button", "data-copy": spec[0]}, spec[1]);
        button.addEventListener("click", function () {
          tellAnnounced("");
          spec[2]().then(function () { tellAnnounced(t.copied + " – " + spec[3]); },
                         function () { tellAnnounced(t.copyFailed, true); });
        });
        row.append(button);
      });
      return row;
    }

    function publisher(channels) {
      var row = el("div", {"class": "tillit-row"});
      var id = "tillit-award-channel-" + (++made);
      var select = el("select", {id: id, "class": "tillit-input"});
      channels.forEach(function (c) { select.append(el("option", {value: c}, c)); });
      var button = el("button", {type: "button", "class": "tillit-button"}, t.publish);
      button.addEventListener("click", function () {
        button.disabled = true; tellAnnounced("");
        core.json("POST", "/v1/awards/" + month + "/announcement/publish", {channel: select.value, lang: lang})
          .then(function () { tellAnnounced(t.published.replace("{channel}", select.value)); },
                function (failure) { tellAnnounced(core.problem(holder, failure, refused), true); })
          .then(function () { button.disabled = false; });
      });
      row.append(el("label", {"for": id}, t.channel), select, button);
      return row;
    }

    function finaliser(empty, status) {
      var row = el("div", {"class": "tillit-row"});
      var button = el("button", {type: "button", "class": "tillit-button tillit-button--primary",
                                 "data-action": "finalise"}, t.finalise);
      button.addEventListener("click", function () {
        var lines = [el("p", {}, t.confirmText)].concat(empty ? [el("p", {"class": "tillit-error"}, t.empty)] : []);
        core.ask(t.confirmTitle.replace("{month}", name), lines, t, function (yes) {
          if (!yes) { button.focus(); return; }
          button.disabled = true;
          core.json("POST", "/v1/awards/" + month + "/finalise").then(function (answer) {
            /* the frozen winners at once, from the server's answer; then the page asks again */
            said = t.frozen; shown.body = answer; render(shown, true); load(true);
          }, function (failure) {
            button.disabled = false; button.focus();
            say(status, core.problem(holder, failure, refused), true);
          });
        });
      });
      row.append(button);
      if (empty) row.append(el("p", {"class": "tillit-error", "data-empty": ""}, t.empty));
      var box = el("div", {"class": "tillit-stack"});
      box.append(row, status);
      return box;
    }

    var shown = {};  /* what the page shows now: the month, its announcement and the channels */
    var draw = null;  /* the month's draw (tillit-lottery-leaders.js): made once, kept across renders */

    function drawSection() {
      var lottery = window.TillitCore.lottery;
      if (!draw && lottery && lottery.leaders) draw = lottery.leaders(month, name, lang, holder);
      return draw;
    }

    function render(now, focus) {
      shown = now;
      var body = now.body, markdown = now.markdown, html = now.html, channels = now.channels;
      var final = body.status === "final", empty = isEmpty(body.result), over = body.period === "ended";
      holder.textContent = "";
      holder.append(header(body));
      winners(body.result, final || over).forEach(function (part) { holder.append(part); });
      var monthSaid = el("p", {"class": "tillit-award-said", role: "status", "data-for": "month"}, said);
      var announced = el("p", {"class": "tillit-award-said", role: "status", "data-for": "announcement"},
                         announcedSaid[0]);
      if (announcedSaid[1]) announced.setAttribute("data-tone", "error");
      /* finalising is offered only for a month that has ended: before, its winners may still change */
      if (final) holder.append(monthSaid);
      else if (over) holder.append(finaliser(empty, monthSaid));
      else holder.append(el("p", {"class": "tillit-muted", "data-not-over": ""}, t.notYet));
      var section = el("section", {"class": "tillit-stack", "aria-labelledby": "tillit-award-ann-" + (++made)});
      section.append(el("h3", {id: "tillit-award-ann-" + made}, t.announcement),
                     el("p", {"class": "tillit-muted"}, t.asItLooks), preview(html),
                     copyButtons(markdown, html));
      if (final && channels.length) section.append(publisher(channels));
      section.append(announced);
      holder.append(section);
      if (drawSection()) holder.append(draw);
      holder.dataset.state = final ? "final" : "provisional";
      holder.dataset.period = final ? "final" : body.period;
      if (focus) holder.querySelector("h2").focus();
    }

    function load(focus) {
      var base = "/v1/awards/" + month;
      Promise.all([core.json("GET", base),
                   core.json("GET", base + "/announcement?format=markdown&lang=" + lang + heading),
                   core.json("GET", base + "/announcement?format=html&lang=" + lang + heading),
                   core.json("GET", "/v1/awards/announcement/channels").then(function (b) { return b.channels; },
                                                                             function () { return []; })])
        .then(function (all) {
          render({body: all[0], markdown: all[1], html: all[2], channels: all[3]}, focus);
        }, function (failure) {
          holder.textContent = "";
          holder.append(el("p", {"class": "tillit-error", role: "alert"}, core.problem(holder, failure, refused)));
          holder.dataset.state = "offline";
        });
    }
    load(false);
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-tillit-awards]"), awardsPage);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
