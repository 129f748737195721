/* Tillit widgets: like and "Bra!" buttons for intranet pages. No framework, no build step.
 *
 *   <script src="https://tillit.example/v1/widget.js" data-token="USER TOKEN" defer></script>
 *   <span data-tillit-like="article:news-42" data-tillit-owner="ola"></span>
 *   <span data-tillit-kudos="ola" data-tillit-about="article:news-42"></span>
 *
 * The token is minted by the intranet back end: data-token, data-token-url answering
 * {"token": "..."}, or data-token-callback naming the host page's function that returns a Promise
 * of one (see tillit-core.js). Who is signed in comes from GET /v1/me, never from the token.
 * Texts follow the page language: nb, nn, da or en.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var core = window.TillitCore(script), language = core.language, call = core.call, el = core.el;
  function texts(_, ngettext) {
    return {like: _("Like"), kudos: _("Great!"), sent: _("Sent!"),
            addMessage: _("Add a personal message"), message: _("Your message (optional)"),
            messageHint: _("Sent with your Bra! when you press the button."),
            likes: function (n) { return ngettext("{n} likes this", "{n} like this", n); },
            bra: function (n) { return ngettext("{n} kudos", "{n} kudos", n); },
            retry: _("Not saved yet – retrying …")};
  }
  var RETRIES = [1000, 2000, 4000, 8000, 16000];
  function newId() {
    if (window.crypto && crypto.randomUUID) return "w-" + crypto.randomUUID();
    return "w-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }

  /* Send with the same id until the service has it: a retry can never count twice. No answer, a
     5xx or a 429 is tried again later; any other refusal is told in the page's language (``known``:
     the widget's own words for a status or a problem's title). */
  function send(event, status, t, known) {
    var attempt = 0;
    return new Promise(function (resolve, reject) {
      function tryOnce() {
        core.json("POST", "/v1/events", event).then(function () { status.textContent = ""; resolve(); },
          function (failure) {
            var again = !failure.status || failure.status === 429 || failure.status >= 500;
            if (!again || attempt >= RETRIES.length) {
              status.textContent = core.problem(status, failure, known); return reject(failure);
            }
            status.textContent = t.retry;
            setTimeout(tryOnce, RETRIES[attempt++]);
          });
      }
      tryOnce();
    });
  }

  function parts(spec) {
    var i = spec.indexOf(":");
    return {kind: spec.slice(0, i), id: spec.slice(i + 1)};
  }

  function build(holder, label, extraClass) {
    var t = core.texts(holder, texts);
    holder.classList.add("tillit", extraClass);
    holder.innerHTML = "";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "tillit-button";
    button.textContent = t[label];
    var count = document.createElement("span");
    count.className = "tillit-count";
    count.setAttribute("aria-live", "polite");
    var status = document.createElement("span");
    status.className = "tillit-status";
    status.setAttribute("role", "status");
    holder.append(button, count, status);
    return {button: button, count: count, status: status, t: t};
  }

  function showCount(parts_, n, counted) {
    parts_.count.dataset.value = String(n);
    parts_.count.textContent = counted(n);
  }

  /* ``counts`` is null when they could not be read, and ``failure`` then says why. */
  function likeButton(holder, counts, failure) {
    var target = parts(holder.getAttribute("data-tillit-like"));
    target.owner = holder.getAttribute("data-tillit-owner");
    var ui = build(holder, "like", "tillit-like");
    var liked = !!(counts && counts.liked_by_me);
    var n = counts ? counts.likes : 0;
    function render() {
      ui.button.setAttribute("aria-pressed", liked ? "true" : "false");
      showCount(ui, n, ui.t.likes);
    }
    render();
    if (!counts) { ui.status.textContent = core.problem(holder, failure); holder.dataset.state = "offline"; }
    ui.button.addEventListener("click", function () {
      liked = !liked; n += liked ? 1 : -1; render();
      var wanted = liked;
      send({id: newId(), type: wanted ? "like.added" : "like.removed", target: target,
            time: new Date().toISOString(), source: "widget"}, ui.status, ui.t)
        .then(function () { holder.dataset.state = "ok"; })
        .catch(function () { if (liked === wanted) { liked = !wanted; n += wanted ? -1 : 1; render(); } });
    });
  }

  var MESSAGE_MAX = 500;  /* kudos.given data.message (schemas/events.py KudosData) */

  /* A closed disclosure under the Bra! button: a labelled text box whose words go with the Bra!. */
  function messageBox(holder, t) {
    var id = "tillit-field-" + (++fieldCount), hint = id + "-hint";
    var box = el("details", {"class": "tillit-kudos-message"});
    var field = el("div", {"class": "tillit-field"});
    var text = el("textarea", {id: id, "class": "tillit-input", maxlength: String(MESSAGE_MAX), rows: "3",
                               "aria-describedby": hint});
    field.append(el("label", {"for": id}, t.message), text, el("p", {id: hint, "class": "tillit-muted"}, t.messageHint));
    box.append(el("summary", {}, t.addMessage), field);
    holder.insertBefore(box, holder.querySelector(".tillit-status"));
    return {box: box, text: text};
  }

  /* ``given``: the service says this person's Bra! to the colleague already counts (this month):
     the button shows it pressed and sends nothing, even after a reload. */
  function kudosButton(holder, counts, failure, given, self) {
    var person = holder.getAttribute("data-tillit-kudos");
    var about = holder.getAttribute("data-tillit-about");
    var ui = build(holder, "kudos", "tillit-kudos");
    var n = counts ? counts.kudos : 0;
    showCount(ui, n, ui.t.bra);
    if (!counts) { ui.status.textContent = core.problem(holder, failure); holder.dataset.state = "offline"; }
    if (self) { ui.button.remove(); holder.dataset.self = "true"; return; }  /* one's own: the count only */
    var note = messageBox(holder, ui.t);
    ui.button.setAttribute("aria-pressed", given ? "true" : "false");
    if (given) { ui.button.textContent = ui.t.sent; note.box.hidden = true; }
    ui.button.addEventListener("click", function () {
      if (ui.button.getAttribute("aria-pressed") === "true") return;
      ui.button.setAttribute("aria-pressed", "true");
      ui.button.textContent = ui.t.sent;
      showCount(ui, ++n, ui.t.bra);
      var event = {id: newId(), type: "kudos.given", target: {kind: "person", id: person, owner: person},
                   time: new Date().toISOString(), source: "widget", data: {}};
      var message = note.text.value.trim().slice(0, MESSAGE_MAX);
      if (message) event.data.message = message;
      if (about) event.data.about = about;
      note.text.disabled = true;
      send(event, ui.status, ui.t).then(function () {
        note.box.open = false; note.box.hidden = true; note.text.value = "";
      }, function () {
        ui.button.setAttribute("aria-pressed", "false"); ui.button.textContent = ui.t.kudos;
        showCount(ui, --n, ui.t.bra);
        note.text.disabled = false;  /* the words the person wrote stay, to send again */
      });
    });
  }


  function campaignTexts(_, ngettext) {
    return {sort: _("Sort by"),
            /* TRANSLATORS: the ways to sort ideas, after "Sort by". */
            support: _("support"), newest: _("newest"),
            submit: _("Submit an idea"), title: _("Title"), text: _("Description"),
            sendIdea: _("Submit the idea"), sendContribution: _("Send your contribution"),
            /* TRANSLATORS: the accessible name of the button under one idea; {title} is the idea's title. */
            sendContributionTo: _("Send your contribution to {title}"),
            saveAnswer: _("Save the answer"),
            /* TRANSLATORS: the accessible name of a leader's button under one idea; {title} is the idea's title. */
            saveAnswerTo: _("Save the answer to {title}"),
            build: _("Build on this idea"), contribution: _("Your contribution"),
            /* TRANSLATORS: before the author's name: "by Kari Nordmann". */
            by: _("by"),
            /* TRANSLATORS: before a leader's name and answer: "Answer from Lena Berg: Yes, from January". */
            answer: _("Answer from"),
            supported: function (n) { return ngettext("Supported by {n} colleague", "Supported by {n} colleagues", n); },
            ideas: function (n) { return ngettext("{n} idea", "{n} ideas", n); },
            closed: _("This campaign is closed."),
            /* TRANSLATORS: before the names of the author and everyone who built on the idea. */
            adoptedThanks: _("Adopted! Thanks to"),
            respond: _("Answer as leader"), note: _("Note"),
            /* TRANSLATORS: the accessible name of the "Answer as leader" disclosure under one idea; {title} is the idea's title. */
            respondTo: _("Answer as leader: {title}"),
            /* TRANSLATORS: a button that reports an idea to an administrator. */
            report: _("Report"), reported: _("Thanks – an administrator will look at it."),
            /* TRANSLATORS: an idea's status. */
            status: {new: _("New"), under_review: _("Under review"), adopted: _("Adopted"), not_pursued: _("Not pursued")},
            statusLabel: _("Status"),
            /* TRANSLATORS: between the last two names of a list: "Kari, Ola and Per". */
            and: _("and"), saved: _("Thank you! Your input is saved."),
            /* TRANSLATORS: said after a leader saved an answer to an idea. */
            answerSaved: _("Your answer is saved; the person who had the idea is told."),
            empty: _("Fill in this field."),
            /* TRANSLATORS: said after an idea was sent but before it is shown in the list. */
            pending: _("Thank you! Your idea is saved and will appear in the list in a moment.")};
  }

  var fieldCount = 0;

  function field(form, label, kind, max) {
    var id = "tillit-field-" + (++fieldCount);
    var input = el(kind, {id: id, maxlength: String(max), required: "", "class": "tillit-input"});
    if (kind === "input") input.type = "text";
    var wrap = el("div", {"class": "tillit-field"});
    wrap.append(el("label", {"for": id}, label), input);
    form.append(wrap);
    return input;
  }

  var BADGE = {new: "", under_review: " tillit-badge--warn", adopted: " tillit-badge--ok", not_pursued: ""};

  /* <section data-tillit-campaign="ID"></section>: the campaign's question, a form for a new idea and
     the ideas as cards. After a send the list is drawn again and the keyboard focus goes back where
     the person was: the new idea's card (or the form's first field until it is listed), the idea
     they built on or answered, or the sort control; a status line says what happened. */
  function campaignWidget(holder) {
    var campaignId = holder.getAttribute("data-tillit-campaign");
    var t = core.texts(holder, campaignTexts), lt = core.texts(holder, texts);
    /* who is signed in (GET /v1/me), to shape the page only; the server decides what is allowed */
    var me = {person: null, roles: []}, sort = "support", leader = false;
    var refused = {"Campaign closed": t.closed};
    var announcer = el("p", {"class": "tillit-status tillit-campaign-status", role: "status"});
    var returnTo = null;  /* what gets the focus when the list is drawn again */
    holder.classList.add("tillit", "tillit-campaign");
    holder.append(announcer);
    function post(event, status, back) {
      event.id = newId(); event.time = new Date().toISOString(); event.source = "campaign-widget";
      return send(event, status, lt, refused).then(function () {
        returnTo = back; announcer.textContent = back.said || (back.pending ? t.pending : t.saved);
        setTimeout(load, 400);
      }, function () {});
    }
    function form(label, fields, button, onSend) {
      var f = el("form", {"class": "tillit-form tillit-card tillit-stack", novalidate: ""});
      if (label) f.append(el("h4", {}, label));
      var inputs = fields.map(function (spec) { return field(f, spec[0], spec[1], spec[2]); });
      var status = el("p", {"class": "tillit-status tillit-error", role: "alert"});
      var send_ = el("button", {type: "submit", "class": "tillit-button tillit-button--primary"}, button[0]);
      if (button[1]) send_.setAttribute("aria-label", button[1]);
      var row = el("div", {"class": "tillit-row"});
      row.append(send_);
      f.append(row, status);
      f.addEventListener("submit", function (e) {
        e.preventDefault();
        var values = inputs.map(function (i) { return i.value.trim(); });
        var blank = inputs.filter(function (i, at) { return !values[at]; })[0];
        inputs.forEach(function (i, at) { i.setAttribute("aria-invalid", String(!values[at])); });
        if (blank) { status.textContent = t.empty; blank.focus(); return; }
        status.textContent = "";
        onSend(values, status);
      });
      return f;
    }
    function idea(item, open) {
      var li = el("li", {"class": "tillit-idea tillit-card tillit-stack", "data-idea": item.id, tabindex: "-1",
                         "aria-labelledby": "tillit-idea-" + item.id});
      var head = el("div", {"class": "tillit-row tillit-idea-head"});
      head.append(el("h4", {id: "tillit-idea-" + item.id}, item.title),
                  el("span", {"class": "tillit-badge" + BADGE[item.status]}, t.status[item.status]));
      li.append(head, el("p", {"class": "tillit-idea-text"}, item.text),
                el("p", {"class": "tillit-meta tillit-muted"}, t.by + " " + item.author_name + " · " + t.supported(item.support)));
      var likeHolder = el("span", {"data-tillit-like": "idea:" + item.id, "data-tillit-owner": item.author,
                                   lang: language(holder)});
      var reportStatus = el("span", {"class": "tillit-status", role: "status"});
      var reportButton = el("button", {type: "button", "class": "tillit-report tillit-link-button"}, t.report);
      reportButton.addEventListener("click", function () {
        reportButton.disabled = true;
        send({id: newId(), type: "content.reported", target: {kind: "idea", id: item.id, owner: item.author},
              time: new Date().toISOString(), source: "campaign-widget", data: {}}, reportStatus, lt)
          .then(function () { reportStatus.textContent = t.reported; }, function () { reportButton.disabled = false; });
      });
      var actions = el("div", {"class": "tillit-row tillit-idea-actions"});
      actions.append(likeHolder, reportButton, reportStatus);
      li.append(actions);
      likeButton(likeHolder, {likes: item.likes, liked_by_me: item.liked_by_me});
      if (item.answer || item.status !== "new") {
        li.append(el("p", {"class": "tillit-answer"}, t.answer + " " + item.answered_by + ": " + (item.answer || t.status[item.status])));
      }
      if (item.status === "adopted") {
        var names = [item.author_name].concat(item.contributions.map(function (c) { return c.author_name; }))
          .filter(function (n, i, all) { return all.indexOf(n) === i; });
        li.append(el("p", {"class": "tillit-credit"}, t.adoptedThanks + " " +
          (names.length > 1 ? names.slice(0, -1).join(", ") + " " + t.and + " " + names[names.length - 1] : names[0])));
      }
      if (item.contributions.length) {
        var list = el("ul", {"class": "tillit-contributions"});
        item.contributions.forEach(function (c) {
          var entry = el("li", {});
          entry.append(el("strong", {}, c.author_name + ": "), c.text);
          list.append(entry);
        });
        li.append(list);
      }
      if (open) {
        li.append(form(t.build, [[t.contribution, "textarea", 5000]],
          [t.sendContribution, t.sendContributionTo.replace("{title}", item.title)], function (v, status) {
            post({type: "idea.contributed", target: {kind: "idea", id: item.id, owner: item.author},
                  data: {contribution_id: newId(), campaign_id: campaignId, text: v[0]}}, status, {idea: item.id});
          }));
      }
      if (leader) li.append(leaderAction(item));
      return li;
    }
    /* A leader's answer, apart from the contribution form everyone has: closed until asked for
       (a summary button named for the idea), so each card shows one form, and the answer's own
       status and note fields only when the leader means to answer. */
    function leaderAction(item) {
      var box = el("details", {"class": "tillit-leader-action"});
      var summary = el("summary", {"aria-label": t.respondTo.replace("{title}", item.title)}, t.respond);
      var f = form(null, [[t.note, "textarea", 2000]],
        [t.saveAnswer, t.saveAnswerTo.replace("{title}", item.title)], function (v, status) {
          post({type: "idea.answered", target: {kind: "idea", id: item.id, owner: item.author},
                data: {status: select.value, note: v[0]}}, status, {idea: item.id, said: t.answerSaved});
        });
      var sid = "tillit-field-" + (++fieldCount);
      var select = el("select", {id: sid, "class": "tillit-input"});
      ["under_review", "adopted", "not_pursued"].forEach(function (s) { select.append(el("option", {value: s}, t.status[s])); });
      var wrap = el("div", {"class": "tillit-field"});
      wrap.append(el("label", {"for": sid}, t.statusLabel), select);
      f.insertBefore(wrap, f.querySelector(".tillit-field"));
      box.addEventListener("toggle", function () { if (box.open) select.focus(); });
      box.append(summary, f);
      return box;
    }
    function render(body) {
      var c = body.campaign, open = c.status === "open";
      Array.prototype.slice.call(holder.children).forEach(function (child) { if (child !== announcer) child.remove(); });
      function add(node) { holder.insertBefore(node, announcer); }
      add(el("h3", {}, c.question));
      add(el("p", {"class": "tillit-campaign-intro"}, c.description));
      var submitForm = null;
      if (!open) add(el("p", {"class": "tillit-closed tillit-card"}, t.closed));
      else {
        submitForm = form(t.submit, [[t.title, "input", 200], [t.text, "textarea", 5000]], [t.sendIdea], function (v, status) {
          var id = "idea-" + newId().slice(2, 14);
          post({type: "idea.submitted", target: {kind: "idea", id: id, owner: me.person},
                data: {campaign_id: campaignId, title: v[0], text: v[1]}}, status, {idea: id, pending: true});
        });
        add(submitForm);
      }
      var tools = el("div", {"class": "tillit-row tillit-campaign-tools"});
      var sid = "tillit-field-" + (++fieldCount);
      var sorter = el("select", {id: sid, "class": "tillit-input"});
      ["support", "newest"].forEach(function (s) {
        var o = el("option", {value: s}, t[s]); if (s === sort) o.selected = true; sorter.append(o);
      });
      sorter.addEventListener("change", function () { sort = sorter.value; returnTo = {sort: true}; load(); });
      tools.append(el("span", {"class": "tillit-muted"}, t.ideas(body.ideas.length)), el("label", {"for": sid}, t.sort), sorter);
      add(tools);
      var list = el("ul", {"class": "tillit-ideas tillit-stack"});
      body.ideas.forEach(function (item) { list.append(idea(item, open)); });
      add(list);
      restoreFocus(list, sorter, submitForm);
    }
    /* After a send the old elements are gone: focus their new counterparts, never the page's top. */
    function restoreFocus(list, sorter, submitForm) {
      var back = returnTo;
      returnTo = null;
      if (!back) return;
      if (back.sort) { sorter.focus(); return; }
      var card = Array.prototype.filter.call(list.children, function (li) { return li.getAttribute("data-idea") === back.idea; })[0];
      if (card) {
        card.focus();
        if (back.pending) announcer.textContent = t.saved;
      } else if (submitForm) {
        var first = submitForm.querySelector("input, textarea");
        first.focus();  /* not listed yet: ready for the next idea, and the card gets the focus once it is */
        if (back.pending) listedLater(back.idea, submitForm, 20);
      }
    }
    /* Ask again until the new idea is counted, then draw it and focus its card, unless the person
       has moved on or started typing: then it shows at their next send or sort. */
    function listedLater(id, submitForm, tries) {
      setTimeout(function () {
        if (!submitForm.isConnected) return;
        core.json("GET", "/v1/campaigns/" + encodeURIComponent(campaignId) + "?sort=" + sort).then(function (body) {
          var untouched = Array.prototype.every.call(submitForm.querySelectorAll("input, textarea"), function (i) { return !i.value; });
          var waiting = submitForm.contains(document.activeElement) || document.activeElement === document.body;
          var listed = body.ideas.some(function (item) { return item.id === id; });
          if (!submitForm.isConnected || !untouched || !waiting) return;
          if (listed) { returnTo = {idea: id, pending: true}; render(body); } else if (tries > 1) listedLater(id, submitForm, tries - 1);
        }, function () {});
      }, 1000);
    }
    function load() {
      holder.dataset.state = "loading";
      Promise.all([core.json("GET", "/v1/campaigns/" + encodeURIComponent(campaignId) + "?sort=" + sort), core.me()])
        .then(function (both) {
          me = both[1]; leader = me.roles.indexOf("leader") >= 0;
          render(both[0]);
          holder.dataset.state = "ready";
        }, function (failure) {
          Array.prototype.slice.call(holder.children).forEach(function (child) { if (child !== announcer) child.remove(); });
          announcer.textContent = core.problem(holder, failure);
          holder.dataset.state = "offline";
        });
    }
    load();
  }


  function profileTexts(_) {
    return {complete: _("Your profile is {p} complete"), next: _("Next step:"),
            done: _("Your profile is complete. Thank you!")};
  }

  /* <div data-tillit-profile data-tillit-next-url="/profile/edit#{field}"></div> shows the signed-in
     person's (GET /v1/me); data-tillit-profile="ola" names whose. The document event "tillit:refresh"
     makes it fetch again (the host page sends it after saving a profile). */
  function profileWidget(holder) {
    var named = holder.getAttribute("data-tillit-profile");
    var lang = language(holder), t = core.texts(holder, profileTexts);
    var nextUrl = holder.getAttribute("data-tillit-next-url") || "#{field}";
    holder.classList.add("tillit", "tillit-profile");
    var caption = el("p", {id: "tillit-profile-" + (++fieldCount)});
    var bar = el("div", {role: "progressbar", "aria-valuemin": "0", "aria-valuemax": "100",
                         "aria-labelledby": caption.id, "class": "tillit-track"});
    var fill = el("div", {"class": "tillit-fill", style: "width:0"});
    bar.append(fill);
    var next = el("p", {"class": "tillit-next"});
    holder.append(caption, bar, next);
    var shown = null;
    function render(body) {
      shown = body.percent;
      caption.textContent = t.complete.replace("{p}", body.percent + " %");
      bar.setAttribute("aria-valuenow", String(body.percent));
      bar.setAttribute("aria-valuetext", body.percent + " %");
      fill.style.width = body.percent + "%";
      next.textContent = "";
      if (!body.next) { next.textContent = t.done; return; }
      var link = el("a", {href: nextUrl.replace("{field}", encodeURIComponent(body.next.field))}, body.next.label);
      next.append(t.next + " ", link, " (+" + body.next.gain + " %)");
    }
    function load(triesLeft) {
      (named ? Promise.resolve(named) : core.me().then(function (me) { return me.person; })).then(function (person) {
        return core.json("GET", "/v1/people/" + encodeURIComponent(person) + "/profile-completion?lang=" + lang);
      }).then(function (body) {
        if (body.percent === shown && triesLeft > 0) { setTimeout(function () { load(triesLeft - 1); }, 300); return; }
        render(body);
        holder.dataset.state = "ready";
      }, function (failure) {
        caption.textContent = core.problem(holder, failure);
        bar.hidden = true;  /* an empty bar would read as 0 %, and a bar not yet drawn as 100 % */
        holder.dataset.state = "offline";
      });
    }
    load(0);
    document.addEventListener("tillit:refresh", function () { load(10); });
  }


  /* The widgets' own rules on top of the design system (tillit-core.js); :where() keeps them at
     zero specificity, so any host rule wins. */
  var STYLE = [
    ":where(.tillit){display:inline-flex;flex-wrap:wrap;align-items:center;gap:var(--tillit-space);font:inherit}",
    ":where(.tillit-like .tillit-button, .tillit-kudos .tillit-button){border-radius:999px;min-height:2.25rem}",
    ":where(.tillit-count){color:inherit}",
    ":where(.tillit-status:empty){display:none}:where(.tillit-status){color:var(--tillit-danger)}",
    ":where(.tillit-kudos-message){flex-basis:100%;max-width:28em}",
    ":where(.tillit-kudos-message > summary){cursor:pointer;color:var(--tillit-accent);font-size:var(--tillit-size-s);",
    "width:max-content;max-width:100%}",
    ":where(.tillit-kudos-message > .tillit-field){margin-top:var(--tillit-space)}",
    ":where(.tillit-kudos-message p){margin:0;font-size:var(--tillit-size-s)}",
    /* the campaign */
    ":where(.tillit-campaign){display:flex;flex-direction:column;align-items:stretch;gap:calc(var(--tillit-space) * 2)}",
    ":where(.tillit-campaign > *){margin:0}",
    ":where(.tillit-campaign-status){color:var(--tillit-ok);font-weight:600}",
    ":where(.tillit-campaign .tillit-error){color:var(--tillit-danger)}",
    ":where(.tillit-form){color:var(--tillit-text)}",
    ":where(.tillit-form h4){margin:0;font-size:var(--tillit-size-l)}",
    ":where(.tillit-idea .tillit-form){background:var(--tillit-bg);max-width:none}",
    ":where(.tillit-idea .tillit-form h4){font-size:var(--tillit-size-m)}",
    ":where(.tillit-campaign-tools){justify-content:flex-end}",
    ":where(.tillit-campaign-tools > :first-child){margin-inline-end:auto}",
    ":where(.tillit-ideas){list-style:none;padding:0;margin:0}",
    ":where(.tillit-idea){background:var(--tillit-surface);color:var(--tillit-text)}",
    ":where(.tillit-idea:focus-visible, .tillit-idea:focus){outline:3px solid var(--tillit-focus);outline-offset:2px}",
    ":where(.tillit-idea-head){justify-content:space-between;align-items:baseline}",
    ":where(.tillit-idea-head h4){margin:0;font-size:var(--tillit-size-l)}",
    ":where(.tillit-idea-text){white-space:pre-line}",
    ":where(.tillit-meta){font-size:var(--tillit-size-s)}",
    ":where(.tillit-report){font-size:var(--tillit-size-s);color:var(--tillit-muted)}",
    ":where(.tillit-answer){border-inline-start:4px solid var(--tillit-accent);padding-inline-start:var(--tillit-space)}",
    ":where(.tillit-credit){font-weight:600;color:var(--tillit-ok)}",
    ":where(.tillit-contributions){margin:0;padding-inline-start:calc(var(--tillit-space) * 2.5)}",
    ":where(.tillit-contributions li + li){margin-top:calc(var(--tillit-space) * .5)}",
    ":where(.tillit-closed){font-weight:600}",
    ":where(.tillit-leader-action){border-top:1px solid var(--tillit-border);padding-top:var(--tillit-space)}",
    ":where(.tillit-leader-action > summary){cursor:pointer;font-weight:600;color:var(--tillit-accent);width:max-content;",
    "max-width:100%}",
    ":where(.tillit-leader-action > .tillit-form){margin-top:var(--tillit-space)}",
    /* the profile bar */
    ":where(.tillit-profile){display:block;max-width:30em}:where(.tillit-profile > p){margin:var(--tillit-space) 0}",
    ":where(.tillit-track){height:.8em;border-radius:.4em;background:var(--tillit-border);overflow:hidden}",
    ":where(.tillit-fill){height:100%;background:var(--tillit-accent);transition:width .4s}",
    "@media (prefers-reduced-motion: reduce){:where(.tillit-fill){transition:none}}"
  ].join("");

  var MAX_TARGETS = 200, MAX_URL = 2000;

  /* Counts for up to 200 targets: a GET the browser can revalidate, or, when the list would make
     a URL longer than proxies and gunicorn take (4 KB request line), the same question as a POST. */
  function countsOf(specs) {
    var query = specs.map(function (s) { return "t=" + encodeURIComponent(s); }).join("&");
    var asked = query.length + 16 > MAX_URL ? call("POST", "/v1/targets/query", {targets: specs})
      : call("GET", "/v1/targets?" + query);
    return asked.then(function (r) {
      if (!r.ok) throw {status: r.status};
      return r.json();
    });
  }

  function start() {
    window.TillitCore.style("widgets", STYLE);
    Array.prototype.forEach.call(document.querySelectorAll("[data-tillit-campaign]"), campaignWidget);
    Array.prototype.forEach.call(document.querySelectorAll("[data-tillit-profile]"), profileWidget);
    var likes = Array.prototype.slice.call(document.querySelectorAll("[data-tillit-like]:not(.tillit)"));
    var kudos = Array.prototype.slice.call(document.querySelectorAll("[data-tillit-kudos]"));
    /* A Bra! widget asks for what it is about (its count) and for its person (whether mine counts already). */
    var specs = likes.map(function (el) { return el.getAttribute("data-tillit-like"); })
      .concat(kudos.map(function (el) {
        return el.getAttribute("data-tillit-about") || "person:" + el.getAttribute("data-tillit-kudos");
      }), kudos.map(function (el) { return "person:" + el.getAttribute("data-tillit-kudos"); }));
    var unique = specs.filter(function (s, i) { return specs.indexOf(s) === i; });
    var chunks = [], failure = null;
    for (var at = 0; at < unique.length; at += MAX_TARGETS) chunks.push(unique.slice(at, at + MAX_TARGETS));
    Promise.all(chunks.map(countsOf)).then(function (bodies) {
      var byKey = {};
      bodies.forEach(function (body) {
        body.targets.forEach(function (c) { byKey[c.kind + ":" + c.id] = c; });
      });
      return byKey;
    }).catch(function (e) { failure = e && e.status ? e : {status: 0}; return null; }).then(function (byKey) {
      likes.forEach(function (el) {
        likeButton(el, byKey && (byKey[el.getAttribute("data-tillit-like")] || {likes: 0}), failure);
      });
      /* who is signed in, so that nobody is offered a Bra! to themselves (the server refuses one) */
      var who = kudos.length ? core.me().catch(function () { return null; }) : Promise.resolve(null);
      return who.then(function (me) {
        kudos.forEach(function (el) {
          var spec = el.getAttribute("data-tillit-about") || "person:" + el.getAttribute("data-tillit-kudos");
          var person = byKey && byKey["person:" + el.getAttribute("data-tillit-kudos")];
          var mine = !!byKey && !!((byKey[spec] || {}).kudos_by_me || (person || {}).kudos_by_me);
          var self = !!me && me.person === el.getAttribute("data-tillit-kudos");
          kudosButton(el, byKey && (byKey[spec] || {kudos: 0}), failure, mine, self);
        });
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
