/* Tillit's pulse widget, served as /v1/pulse.js: <section data-tillit-pulse></section>.
 * The signed-in person's open pulses (GET /v1/me/pulses), one card per assignment: a pulse may
 * ask someone twice (a leader's own view of their team, and their view as the manager of another
 * team's leader), and each is answered once. Every statement is a fieldset of radio buttons, 1-5
 * with the scale's words at both ends, and "don't know" apart from them; the card says plainly
 * whether the answer is anonymous (the team's view) or not (a leader's own view, their leader's
 * view of them), before anything is sent. All answers go in one POST; the card then says thank
 * you in its live region and, like every later visit, that the pulse is answered.
 *
 * A pulse with free text on (the API's free_text) adds one optional comment field under the
 * statements: a warning before it that written words can give away who wrote them, and the
 * length limit, counted down as one writes. The comment goes in the same POST, trimmed.
 *
 * Radios keep the browser's own keyboard handling: Tab moves between statements, the arrow keys
 * within one. Headings are <h3> unless the host says otherwise: data-tillit-heading-level="2".
 * With no open pulse the widget says so in one line; data-tillit-hide-empty leaves it empty then. */
(function () {
  "use strict";
  var core = window.TillitCore(document.currentScript), el = core.el;
  /* From how many answers results are shown: the server writes ENGAGEMENT_MIN_GROUP_SIZE in front. */
  var MIN_ANSWERS = ((window.TillitCore.settings || {}).pulse || {}).minAnswers || 5;
  var cards = 0;

  function texts(_, ngettext) {
    return {loading: _("Loading the pulses…"),
            none: _("You have no open pulses right now."),
            /* TRANSLATORS: what the card is about, for an employee; {team} is the team's name. */
            aboutTeam: _("About your team: {team}"),
            /* TRANSLATORS: a leader's own view of themself as leader of {team}. */
            aboutSelf: _("Your own view as the leader of {team}"),
            /* TRANSLATORS: the view of the leader's leader; {team} is the team the leader leads. */
            aboutManager: _("Your view of the leader of {team}"),
            /* TRANSLATORS: {date} is the pulse's last day, such as "15. desember 2026". */
            closes: _("Open until {date}"),
            anonymous: function (n) {
              return ngettext("Your answer is stored without your name; results are shown from {n} answer.",
                              "Your answer is stored without your name; results are shown from {n} answers.", n);
            },
            selfNote: _("Your answer is not anonymous: it is your own view, shown beside your team's answers " +
                        "to you, your leader and communications staff."),
            managerNote: _("Your answer is not anonymous: it is your view of this leader, shown to the leader, " +
                           "to you and to communications staff."),
            /* TRANSLATORS: before the statements: how to answer them. */
            howTo: _("How much do you agree? Choose 1 (strongly disagree) to 5 (strongly agree), or “Don't know”."),
            send: _("Send the answers"), sending: _("Sending…"),
            thanks: _("Thank you! Your answers are saved."),
            answered: _("Answered"),
            already: _("You have answered this pulse. Thank you!"),
            /* TRANSLATORS: said when the form is sent with statements left without an answer. */
            missing: function (n) {
              return ngettext("Answer every statement before you send ({n} left). “Don't know” is an answer too.",
                              "Answer every statement before you send ({n} left). “Don't know” is an answer too.", n);
            },
            pick: _("Choose an answer."),
            /* TRANSLATORS: the label of the optional comment field on a pulse with free text. */
            comment: _("A comment (optional)"),
            /* TRANSLATORS: said before the comment field, plainly: a comment is read as written. */
            commentWarning: _("Written words can give away who wrote them. Don't name anyone."),
            commentLimit: function (n) {
              return ngettext("At most {n} character.", "At most {n} characters.", n);
            },
            /* TRANSLATORS: under the comment field, counted down as one writes. */
            commentLeft: function (n) {
              return ngettext("{n} character left.", "{n} characters left.", n);
            },
            conflict: _("You have already answered this pulse, so these answers were not saved."),
            invalid: _("Not saved: the pulse may have closed or changed. Reload the page to see it as it is now."),
            down: _("Your answers were not sent: Tillit is unavailable right now. They are still here; " +
                    "try again in a moment.")};
  }

  function heading(holder) {
    var level = parseInt(holder.getAttribute("data-tillit-heading-level") || "3", 10);
    return "h" + (level >= 2 && level <= 6 ? level : 3);
  }

  function about(t, item) {
    var name = (item.team && (item.team.name || item.team.id)) || "";
    var text = item.wording === "self" ? t.aboutSelf : item.wording === "manager" ? t.aboutManager : t.aboutTeam;
    return text.replace("{team}", name);
  }

  function privacyNote(t, item) {
    if (item.anonymous) return t.anonymous(MIN_ANSWERS);
    return item.wording === "manager" ? t.managerNote : t.selfNote;
  }

  function lastDay(lang, iso) {
    var when = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : iso + "Z");  /* the API's times are UTC */
    /* a browser without nynorsk's dates (Chromium has none) takes bokmål's: the month names are the same */
    var locales = lang === "nn" ? ["nn", "nb"] : [lang];
    return isNaN(when.getTime()) ? iso : when.toLocaleDateString(locales, {day: "numeric", month: "long", year: "numeric"});
  }

  /* One statement: a fieldset whose legend is the statement, the scale's five values in a row with
     its end words under the row (each radio's name holds its word too, so a screen reader says
     "1 Strongly disagree" where the eye reads "1" above "Strongly disagree"), and "don't know"
     apart from them. */
  function statement(item, s, index, id) {
    var field = el("fieldset", {"class": "tillit-pulse-statement", "data-key": s.key});
    field.append(el("legend", {}, s.text));
    var name = id + "-" + index, values = (item.scale || []).filter(function (v) { return v.value >= 1; });
    var range = el("div", {"class": "tillit-pulse-range"}), scale = el("div", {"class": "tillit-pulse-scale"});
    values.forEach(function (v) {
      var option = el("label", {"class": "tillit-pulse-option"});
      option.append(el("input", {type: "radio", name: name, value: String(v.value)}),
                    el("span", {"class": "tillit-pulse-value"}, String(v.value)),
                    el("span", {"class": "tillit-visually-hidden"}, " " + v.label));
      scale.append(option);
    });
    var ends = el("div", {"class": "tillit-pulse-ends", "aria-hidden": "true"});
    if (values.length) ends.append(el("span", {}, values[0].label), el("span", {}, values[values.length - 1].label));
    range.append(scale, ends);
    var choices = el("div", {"class": "tillit-pulse-choices"});
    choices.append(range);
    (item.scale || []).filter(function (v) { return v.value === 0; }).forEach(function (v) {
      var option = el("label", {"class": "tillit-pulse-option tillit-pulse-dont-know"});
      option.append(el("input", {type: "radio", name: name, value: "0"}), el("span", {}, v.label));
      choices.append(option);
    });
    var hint = el("p", {id: name + "-hint", "class": "tillit-error tillit-pulse-hint", hidden: ""});
    field.setAttribute("aria-describedby", hint.id);
    field.append(choices, hint);
    return field;
  }

  /* The optional comment on a pulse with free text: the warning first (the field is described by
     it, so a screen reader says it too), then the field with its limit, and what is left of it. */
  function commentField(item, t, id) {
    var max = item.comment_max || 1000;
    var box = el("div", {"class": "tillit-pulse-comment tillit-stack"});
    var warning = el("p", {id: id + "-comment-warning", "class": "tillit-pulse-comment-warning"}, t.commentWarning);
    var limit = el("span", {id: id + "-comment-limit", "class": "tillit-muted"}, t.commentLimit(max));
    var label = el("label", {"for": id + "-comment", "class": "tillit-pulse-comment-label"}, t.comment);
    var area = el("textarea", {id: id + "-comment", name: "comment", rows: "4", maxlength: String(max),
                               "class": "tillit-pulse-comment-text",
                               "aria-describedby": warning.id + " " + limit.id});
    var left = el("p", {"class": "tillit-muted tillit-pulse-comment-left", "aria-live": "polite"});
    function count() {
      var n = max - area.value.length;
      /* said only near the end, so a screen reader is not told after every letter */
      left.textContent = n <= 100 ? t.commentLeft(n) : "";
    }
    area.addEventListener("input", count);
    box.append(warning, label, limit, area, left);
    return box;
  }

  /* The card's last word: a badge and a line that a later visit shows as well. */
  function showAnswered(card, t, line) {
    card.classList.add("tillit-pulse-answered");
    card.setAttribute("data-state", "answered");
    var badge = card.querySelector(".tillit-pulse-head .tillit-badge");
    if (!badge) {
      card.querySelector(".tillit-pulse-head").append(el("span", {"class": "tillit-badge tillit-badge--ok"}, t.answered));
    }
    line.classList.remove("tillit-error");
    line.classList.add("tillit-pulse-done");
  }

  function pulseCard(holder, item, t, lang) {
    var id = "tillit-pulse-" + (++cards);
    /* named by its title and what it is about: one pulse may give a person two cards */
    var card = el("section", {"class": "tillit-card tillit-stack tillit-pulse-card",
                              "aria-labelledby": id + "-title " + id + "-about", "data-pulse": item.pulse,
                              "data-team": (item.team || {}).id || "", "data-wording": item.wording});
    var head = el("div", {"class": "tillit-row tillit-pulse-head"});
    head.append(el(heading(holder), {id: id + "-title", "class": "tillit-pulse-title"}, item.title));
    card.append(head, el("p", {id: id + "-about", "class": "tillit-pulse-about"}, about(t, item)));
    var meta = el("p", {"class": "tillit-muted tillit-pulse-meta"},
                  t.closes.replace("{date}", lastDay(lang, item.closes_at)));
    var note = el("p", {"class": item.anonymous ? "tillit-pulse-privacy" : "tillit-pulse-privacy tillit-pulse-named",
                        id: id + "-privacy"}, privacyNote(t, item));
    card.append(meta, note);
    /* Said in words, and announced: the thanks, an error, what is left to answer. */
    var line = el("p", {"class": "tillit-pulse-line", role: "status", tabindex: "-1"});
    if (item.answered) {
      card.append(line);
      line.textContent = t.already;
      showAnswered(card, t, line);
      return card;
    }
    var form = el("form", {"class": "tillit-stack tillit-pulse-form", novalidate: "", "aria-describedby": id + "-privacy"});
    form.append(el("p", {"class": "tillit-pulse-how"}, t.howTo));
    var fields = item.statements.map(function (s, i) { return statement(item, s, i, id); });
    fields.forEach(function (f) { form.append(f); });
    var comment = item.free_text ? commentField(item, t, id) : null;
    if (comment) form.append(comment);
    var button = el("button", {type: "submit", "class": "tillit-button tillit-button--primary"}, t.send);
    var actions = el("div", {"class": "tillit-row"});
    actions.append(button);
    form.append(actions);
    card.append(form, line);

    function say(text, error) {
      line.textContent = text;
      line.classList.toggle("tillit-error", !!error);
    }
    fields.forEach(function (f) {
      f.addEventListener("change", function () {
        var hint = f.querySelector(".tillit-pulse-hint");
        hint.hidden = true; hint.textContent = "";
        f.classList.remove("tillit-pulse-missing");
      });
    });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (button.disabled) return;
      var answers = {}, missing = [];
      fields.forEach(function (f) {
        var chosen = f.querySelector("input:checked");
        if (chosen) { answers[f.getAttribute("data-key")] = parseInt(chosen.value, 10); return; }
        missing.push(f);
        var hint = f.querySelector(".tillit-pulse-hint");
        hint.textContent = t.pick; hint.hidden = false;
        f.classList.add("tillit-pulse-missing");
      });
      if (missing.length) {
        say(t.missing(missing.length), true);
        missing[0].querySelector("input").focus();
        return;
      }
      button.disabled = true; button.textContent = t.sending;
      say("", false);
      var body = {team: item.team.id, wording: item.wording, answers: answers};
      var written = comment ? comment.querySelector("textarea").value.trim() : "";
      if (written) body.comment = written;
      core.json("POST", "/v1/pulses/" + encodeURIComponent(item.pulse) + "/answers", body).then(function () {
        form.remove();
        say(t.thanks, false);
        showAnswered(card, t, line);
        line.focus();  /* the button is gone: the keyboard stays on the card, at its answer */
      }, function (failure) {
        button.disabled = false; button.textContent = t.send;
        if (failure && failure.status === 409) {
          form.remove();
          say(t.conflict, false);
          showAnswered(card, t, line);
          line.focus();
          return;
        }
        say(core.problem(holder, failure, {409: t.conflict, 422: t.invalid, down: t.down}), true);
        line.focus();
      });
    });
    return card;
  }

  function pulseWidget(holder) {
    var lang = core.language(holder), t = core.texts(holder, texts);
    holder.classList.add("tillit", "tillit-pulse");
    holder.setAttribute("data-state", "loading");
    var status = el("p", {"class": "tillit-muted tillit-pulse-status", role: "status"}, t.loading);
    holder.textContent = "";
    holder.append(status);
    core.json("GET", "/v1/me/pulses?lang=" + encodeURIComponent(lang)).then(function (body) {
      var items = Array.isArray(body) ? body : body.pulses || body.items || [];
      status.textContent = items.length || holder.hasAttribute("data-tillit-hide-empty") ? "" : t.none;
      status.hidden = !!items.length;
      items.forEach(function (item) { holder.append(pulseCard(holder, item, t, lang)); });
      holder.setAttribute("data-state", items.length ? "ready" : "empty");
    }, function (failure) {
      status.classList.remove("tillit-muted");
      status.classList.add("tillit-error");
      status.textContent = core.problem(holder, failure);
      holder.setAttribute("data-state", "offline");
    });
  }

  /* :where() keeps specificity at zero, so any host rule wins; colours from the design system, so
     dark mode and a host's palette come with them. Each option is a 44 px target; on a 360 px phone
     the five values fill the row and "don't know" goes under them. */
  var STYLE = [
    ":where(.tillit-pulse){display:flex;flex-direction:column;align-items:stretch;gap:calc(var(--tillit-space) * 2);",
    "color:var(--tillit-text);max-width:48rem}",
    ":where(.tillit-pulse p){margin:0}",
    ":where(.tillit-pulse-status:empty){display:none}",
    ":where(.tillit-pulse-head){justify-content:space-between;align-items:baseline}",
    ":where(.tillit-pulse-title){margin:0;font-size:var(--tillit-size-l);line-height:1.3}",
    ":where(.tillit-pulse-about){font-weight:600}",
    ":where(.tillit-pulse-privacy){border-inline-start:4px solid var(--tillit-ok);padding-inline-start:var(--tillit-space)}",
    ":where(.tillit-pulse-named){border-inline-start-color:var(--tillit-warn)}",
    ":where(.tillit-pulse-statement){border:none;border-top:1px solid var(--tillit-border);margin:0;",
    "padding:var(--tillit-space) 0 0;min-width:0}",
    ":where(.tillit-pulse-statement > legend){float:left;width:100%;padding:0;margin-bottom:var(--tillit-space);",
    "font-weight:600}",
    ":where(.tillit-pulse-statement > legend + *){clear:both}",
    ":where(.tillit-pulse-missing > legend){color:var(--tillit-danger)}",
    ":where(.tillit-pulse-choices){display:flex;flex-wrap:wrap;gap:var(--tillit-space) calc(var(--tillit-space) * 2);",
    "align-items:flex-start}",
    ":where(.tillit-pulse-range){display:flex;flex-direction:column;gap:.25rem}",
    ":where(.tillit-pulse-scale){display:grid;grid-template-columns:repeat(5, minmax(2.75rem, 4rem));",
    "gap:calc(var(--tillit-space) * .5)}",
    ":where(.tillit-pulse-ends){display:flex;justify-content:space-between;gap:var(--tillit-space);",
    "font-size:var(--tillit-size-s);color:var(--tillit-muted)}",
    ":where(.tillit-pulse-ends > :last-child){text-align:end}",
    ":where(.tillit-pulse-option){display:flex;flex-direction:column;align-items:center;gap:.125rem;cursor:pointer;",
    "min-width:2.75rem;min-height:2.75rem;box-sizing:border-box;padding:calc(var(--tillit-space) * .5);",
    "border:1px solid var(--tillit-control);border-radius:var(--tillit-radius);background:var(--tillit-bg);",
    "color:var(--tillit-text);text-align:center;line-height:1.2}",
    ":where(.tillit-pulse-option:hover){border-color:var(--tillit-accent)}",
    ":where(.tillit-pulse-option:has(input:checked)){border:2px solid var(--tillit-accent);",
    "padding:calc(var(--tillit-space) * .5 - 1px);font-weight:700}",
    ":where(.tillit-pulse-option input){margin:0;width:1.25rem;height:1.25rem;accent-color:var(--tillit-accent)}",
    /* the ring goes round the whole option, the size of what a finger or a pointer hits */
    ":where(.tillit-pulse-option:has(input:focus-visible)){outline:3px solid var(--tillit-focus);outline-offset:2px}",
    ":where(.tillit.tillit-pulse .tillit-pulse-option input:focus-visible){outline:none}",
    ":where(.tillit-pulse-value){font-variant-numeric:tabular-nums}",
    ":where(.tillit-pulse-dont-know){flex-direction:row;justify-content:center;gap:var(--tillit-space);",
    "padding-inline:var(--tillit-space)}",
    ":where(.tillit-pulse-dont-know:has(input:checked)){padding-inline:calc(var(--tillit-space) - 1px)}",
    ":where(.tillit-pulse-comment){border-top:1px solid var(--tillit-border);padding-top:var(--tillit-space);gap:.25rem}",
    ":where(.tillit-pulse-comment-warning){border-inline-start:4px solid var(--tillit-warn);",
    "padding-inline-start:var(--tillit-space)}",
    ":where(.tillit-pulse-comment-warning){margin-bottom:calc(var(--tillit-space) * .5)}",
    ":where(.tillit-pulse-comment-label){font-weight:600}",
    ":where(.tillit-pulse-comment-text){box-sizing:border-box;width:100%;min-height:5.5rem;font:inherit;",
    "padding:var(--tillit-space);border:1px solid var(--tillit-control);border-radius:var(--tillit-radius);",
    "background:var(--tillit-bg);color:var(--tillit-text);resize:vertical}",
    ":where(.tillit-pulse-comment-text:focus-visible){outline:3px solid var(--tillit-focus);outline-offset:2px}",
    ":where(.tillit-pulse-comment-left:empty){display:none}",
    ":where(.tillit-pulse-hint){margin-top:calc(var(--tillit-space) * .5)}",
    ":where(.tillit-pulse-hint[hidden]){display:none}",
    ":where(.tillit-pulse-line:empty){display:none}",
    ":where(.tillit-pulse-line){font-weight:600}",
    ":where(.tillit-pulse-line:focus){outline:none}",
    ":where(.tillit-pulse-line:focus-visible){outline:3px solid var(--tillit-focus)}",
    ":where(.tillit-pulse-done){color:var(--tillit-ok)}",
    ":where(.tillit-pulse-line.tillit-error){color:var(--tillit-danger)}",
    "@media (max-width: 30rem){:where(.tillit-pulse-range, .tillit-pulse-dont-know){width:100%}",
    ":where(.tillit-pulse-scale){grid-template-columns:repeat(5, minmax(2.75rem, 1fr))}}"
  ].join("");

  function start() {
    window.TillitCore.style("pulse", STYLE);
    Array.prototype.forEach.call(document.querySelectorAll("[data-tillit-pulse]"), pulseWidget);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
