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

  function kudosButton(holder, counts, failure) {
    var person = holder.getAttribute("data-tillit-kudos");
    var about = holder.getAttribute("data-tillit-about");
    var ui = build(holder, "kudos", "tillit-kudos");
    var n = counts ? counts.kudos : 0;
    showCount(ui, n, ui.t.bra);
    if (!counts) { ui.status.textContent = core.problem(holder, failure); holder.dataset.state = "offline"; }
    ui.button.setAttribute("aria-pressed", "false");
    ui.button.addEventListener("click", function () {
      if (ui.button.getAttribute("aria-pressed") === "true") return;
      ui.button.setAttribute("aria-pressed", "true");
      ui.button.textContent = ui.t.sent;
      showCount(ui, ++n, ui.t.bra);
      var event = {id: newId(), type: "kudos.given", target: {kind: "person", id: person, owner: person},
                   time: new Date().toISOString(), source: "widget", data: {message: ui.t.kudos}};
      if (about) event.data.about = about;
      send(event, ui.status, ui.t).catch(function () {
        ui.button.setAttribute("aria-pressed", "false"); ui.button.textContent = ui.t.kudos;
        showCount(ui, --n, ui.t.bra);
      });
    });
  }


  function campaignTexts(_, ngettext) {
    return {sort: _("Sort by"),
            /* TRANSLATORS: the ways to sort ideas, after "Sort by". */
            support: _("support"), newest: _("newest"),
            submit: _("Submit an idea"), title: _("Title"), text: _("Description"), send: _("Send"),
            build: _("Build on this idea"),
            /* TRANSLATORS: before the author's name: "by Kari Nordmann". */
            by: _("by"),
            /* TRANSLATORS: before a leader's name and answer: "Answer from Lena Berg: Yes, from January". */
            answer: _("Answer from"),
            supported: function (n) { return ngettext("Supported by {n} colleague", "Supported by {n} colleagues", n); },
            closed: _("This campaign is closed."),
            /* TRANSLATORS: before the names of the author and everyone who built on the idea. */
            adoptedThanks: _("Adopted! Thanks to"),
            respond: _("Answer as leader"), note: _("Note"),
            /* TRANSLATORS: a button that reports an idea to an administrator. */
            report: _("Report"), reported: _("Thanks – an administrator will look at it."),
            /* TRANSLATORS: an idea's status. */
            status: {new: _("New"), under_review: _("Under review"), adopted: _("Adopted"), not_pursued: _("Not pursued")},
            statusLabel: _("Status"),
            /* TRANSLATORS: between the last two names of a list: "Kari, Ola and Per". */
            and: _("and"), saved: _("Thank you! Your input is saved.")};
  }

  var fieldCount = 0;

  function field(form, label, kind, max) {
    var id = "tillit-field-" + (++fieldCount);
    var input = el(kind, {id: id, maxlength: String(max), required: ""});
    if (kind === "input") input.type = "text";
    form.append(el("label", {"for": id}, label), input);
    return input;
  }

  function campaignWidget(holder) {
    var campaignId = holder.getAttribute("data-tillit-campaign");
    var t = core.texts(holder, campaignTexts), lt = core.texts(holder, texts);
    /* who is signed in (GET /v1/me), to shape the page only; the server decides what is allowed */
    var me = {person: null, roles: []}, sort = "support", leader = false;
    var refused = {"Campaign closed": t.closed};
    holder.classList.add("tillit", "tillit-campaign");
    function post(event, status) {
      event.id = newId(); event.time = new Date().toISOString(); event.source = "campaign-widget";
      return send(event, status, lt, refused).then(function () { status.textContent = t.saved; setTimeout(load, 400); },
                                                   function () {});
    }
    function form(label, fields, onSend) {
      var f = el("form", {"class": "tillit-form"});
      f.append(el("h4", {}, label));
      var inputs = fields.map(function (spec) { return field(f, spec[0], spec[1], spec[2]); });
      var status = el("p", {"class": "tillit-status", role: "status"});
      f.append(el("button", {type: "submit", "class": "tillit-button"}, t.send), status);
      f.addEventListener("submit", function (e) {
        e.preventDefault();
        onSend(inputs.map(function (i) { return i.value.trim(); }), status);
      });
      return f;
    }
    function idea(item, open) {
      var li = el("li", {"class": "tillit-idea", "data-idea": item.id});
      li.append(el("h4", {}, item.title), el("p", {}, item.text),
                el("p", {"class": "tillit-meta"}, t.by + " " + item.author_name + " · " + t.status[item.status] +
                   " · " + t.supported(item.support)));
      var likeHolder = el("span", {"data-tillit-like": "idea:" + item.id, "data-tillit-owner": item.author,
                                   lang: language(holder)});
      var reportStatus = el("span", {"class": "tillit-status", role: "status"});
      var reportButton = el("button", {type: "button", "class": "tillit-report"}, t.report);
      reportButton.addEventListener("click", function () {
        reportButton.disabled = true;
        send({id: newId(), type: "content.reported", target: {kind: "idea", id: item.id, owner: item.author},
              time: new Date().toISOString(), source: "campaign-widget", data: {}}, reportStatus, lt)
          .then(function () { reportStatus.textContent = t.reported; }, function () { reportButton.disabled = false; });
      });
      li.append(likeHolder, " ", reportButton, reportStatus);
      likeButton(likeHolder, {likes: item.likes, liked_by_me: item.liked_by_me});
      if (item.answer || item.status !== "new") {
        var answer = el("p", {"class": "tillit-answer"}, t.answer + " " + item.answered_by + ": " + (item.answer || t.status[item.status]));
        li.append(answer);
      }
      if (item.status === "adopted") {
        var names = [item.author_name].concat(item.contributions.map(function (c) { return c.author_name; }))
          .filter(function (n, i, all) { return all.indexOf(n) === i; });
        li.append(el("p", {"class": "tillit-credit"}, t.adoptedThanks + " " +
          (names.length > 1 ? names.slice(0, -1).join(", ") + " " + t.and + " " + names[names.length - 1] : names[0])));
      }
      var list = el("ul", {"class": "tillit-contributions"});
      item.contributions.forEach(function (c) { list.append(el("li", {}, c.author_name + ": " + c.text)); });
      li.append(list);
      if (open) {
        li.append(form(t.build, [[t.text, "textarea", 5000]], function (v, status) {
          post({type: "idea.contributed", target: {kind: "idea", id: item.id, owner: item.author},
                data: {contribution_id: newId(), campaign_id: campaignId, text: v[0]}}, status);
        }));
      }
      if (leader) {
        var f = form(t.respond, [[t.note, "textarea", 2000]], function (v, status) {
          post({type: "idea.answered", target: {kind: "idea", id: item.id, owner: item.author},
                data: {status: select.value, note: v[0]}}, status);
        });
        var sid = "tillit-field-" + (++fieldCount);
        var select = el("select", {id: sid});
        ["under_review", "adopted", "not_pursued"].forEach(function (s) { select.append(el("option", {value: s}, t.status[s])); });
        f.insertBefore(select, f.querySelector("label"));
        f.insertBefore(el("label", {"for": sid}, t.statusLabel), select);
        li.append(f);
      }
      return li;
    }
    function render(body) {
      var c = body.campaign, open = c.status === "open";
      holder.innerHTML = "";
      holder.append(el("h3", {}, c.question), el("p", {}, c.description));
      var sid = "tillit-field-" + (++fieldCount);
      var sorter = el("select", {id: sid});
      ["support", "newest"].forEach(function (s) {
        var o = el("option", {value: s}, t[s]); if (s === sort) o.selected = true; sorter.append(o);
      });
      sorter.addEventListener("change", function () { sort = sorter.value; load(); });
      holder.append(el("label", {"for": sid}, t.sort + " "), sorter);
      if (!open) holder.append(el("p", {"class": "tillit-closed"}, t.closed));
      else holder.append(form(t.submit, [[t.title, "input", 200], [t.text, "textarea", 5000]], function (v, status) {
        post({type: "idea.submitted", target: {kind: "idea", id: "idea-" + newId().slice(2, 14), owner: me.person},
              data: {campaign_id: campaignId, title: v[0], text: v[1]}}, status);
      }));
      var list = el("ol", {"class": "tillit-ideas"});
      body.ideas.forEach(function (item) { list.append(idea(item, open)); });
      holder.append(list);
    }
    function load() {
      holder.dataset.state = "loading";
      Promise.all([core.json("GET", "/v1/campaigns/" + encodeURIComponent(campaignId) + "?sort=" + sort), core.me()])
        .then(function (both) {
          me = both[1]; leader = me.roles.indexOf("leader") >= 0;
          render(both[0]);
          holder.dataset.state = "ready";
        }, function (failure) { holder.textContent = core.problem(holder, failure); holder.dataset.state = "offline"; });
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


  function injectStyle() {
    if (document.getElementById("tillit-style")) return;
    var style = document.createElement("style");
    style.id = "tillit-style";
    /* :where() keeps specificity at zero, so any host rule wins. */
    style.textContent =
      ":where(.tillit){display:inline-flex;align-items:center;gap:.5em;font:inherit}" +
      ":where(.tillit-button){font:inherit;cursor:pointer;padding:.3em .8em;border-radius:1em;" +
      "border:1px solid var(--tillit-accent,#1f5f99);background:#fff;color:var(--tillit-accent,#1f5f99)}" +
      ":where(.tillit-button[aria-pressed=true]){background:var(--tillit-accent,#1f5f99);color:#fff}" +
      ":where(.tillit-button:focus-visible){outline:3px solid var(--tillit-focus,#b35c00);outline-offset:2px}" +
      ":where(.tillit-count){color:inherit}" +
      ":where(.tillit-status:empty){display:none}:where(.tillit-status){color:#8a1c1c}" +
      ":where(.tillit-campaign){display:block}:where(.tillit-form){display:flex;flex-direction:column;gap:.3em;" +
      "max-width:36em;margin:.5em 0}:where(.tillit-form .tillit-button){align-self:flex-start}:where(.tillit-ideas){padding-left:1.2em}:where(.tillit-idea){margin:1em 0}" +
      ":where(.tillit-profile){display:block;max-width:30em}:where(.tillit-track){height:.8em;border-radius:.4em;" +
      "background:#dde3ea;overflow:hidden}:where(.tillit-fill){height:100%;background:var(--tillit-accent,#1f5f99);" +
      "transition:width .4s}" +
      ":where(.tillit-meta){color:#4a4a4f;font-size:.9em}:where(.tillit-report){font:inherit;font-size:.85em;" +
      "background:none;border:none;text-decoration:underline;color:#4a4a4f;cursor:pointer}:where(.tillit-credit){font-weight:bold;color:#1d6b2f}";
    document.head.appendChild(style);
  }

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
    injectStyle();
    Array.prototype.forEach.call(document.querySelectorAll("[data-tillit-campaign]"), campaignWidget);
    Array.prototype.forEach.call(document.querySelectorAll("[data-tillit-profile]"), profileWidget);
    var likes = Array.prototype.slice.call(document.querySelectorAll("[data-tillit-like]:not(.tillit)"));
    var kudos = Array.prototype.slice.call(document.querySelectorAll("[data-tillit-kudos]"));
    var specs = likes.map(function (el) { return el.getAttribute("data-tillit-like"); })
      .concat(kudos.map(function (el) {
        return el.getAttribute("data-tillit-about") || "person:" + el.getAttribute("data-tillit-kudos");
      }));
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
      kudos.forEach(function (el) {
        var spec = el.getAttribute("data-tillit-about") || "person:" + el.getAttribute("data-tillit-kudos");
        kudosButton(el, byKey && (byKey[spec] || {kudos: 0}), failure);
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
