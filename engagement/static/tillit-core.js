/* Shared by Tillit's scripts (served in front of each): where Tillit is, the page's language and
 * its texts, the user token, calls to the API, who is signed in, what a failed call says, and
 * elements whose texts are never parsed as HTML.
 * The texts are English msgids; the server puts each language's translations from Tillit's gettext
 * catalogs in front of the script (TillitCore.addCatalogs), so a translator edits one .po file.
 *
 * The token comes one of three ways, named on the script tag:
 *   data-token="..."                 fixed for the page; when it expires the page must be reloaded
 *   data-token-url="/my/token"       GET (with the intranet's cookies) answering {"token": "..."}
 *   data-token-callback="name"       window.name() (dots allowed: "intranet.tillitToken") returns
 *                                    a Promise of a token string or of {token, expiresOn}
 * The last two are asked again shortly before the token expires and after a 401, and the call is
 * then sent once more with the same body (the same event id: the server counts it once). */
window.TillitCore = window.TillitCore || (function () {
  "use strict";
  var catalogs = {};
  var sessions = {};  /* one per endpoint and token source: widget.js and trust.js on one page share it */
  var MARGIN = 60000;  /* renew a token this long before it expires (a quarter of its life if shorter) */
  var asked = 0;  /* dialogs made, for their headings' ids */

  /* gettext and ngettext for one language; an untranslated text stays English. ngettext puts the
     count in place of {n}. */
  function translator(lang) {
    var catalog = catalogs[lang] || {plural: function (n) { return Number(n !== 1); }, messages: {}};
    function gettext(id) { return catalog.messages[id] || id; }
    function ngettext(one, many, n) {
      var forms = catalog.messages[one];
      return ((forms && forms[catalog.plural(n)]) || (n === 1 ? one : many)).replace(/\{n\}/g, String(n));
    }
    return {gettext: gettext, ngettext: ngettext};
  }

  function problemTexts(_) {
    return {ended: _("Your session has ended. Reload the page to continue."),
            signedOut: _("You are signed out. Sign in again, then reload the page."),
            forbidden: _("You are not allowed to do this."),
            missing: _("Not found. It may have been removed."),
            conflict: _("Not saved: it conflicts with what is already saved."),
            invalid: _("Not saved: Tillit could not accept what was sent."),
            busy: _("Too many requests. Please try again in a moment."),
            down: _("Tillit is unavailable right now.")};
  }

  /* When a token stops being good, in ms since 1970: expiresOn if the host said it (a Date, an ISO
     string, or seconds or ms since 1970), else the exp in the token's payload. Read for timing
     only, never for who the person is: that is /v1/me's answer. */
  function expiry(token, expiresOn) {
    if (expiresOn instanceof Date) return expiresOn.getTime();
    if (typeof expiresOn === "number") return expiresOn < 1e12 ? expiresOn * 1000 : expiresOn;
    if (typeof expiresOn === "string" && !isNaN(Date.parse(expiresOn))) return Date.parse(expiresOn);
    try {
      var part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      var exp = JSON.parse(atob(part)).exp;
      return typeof exp === "number" ? exp * 1000 : null;
    } catch (e) { return null; }
  }

  function held(answer) {
    var token = answer && typeof answer === "object" ? answer.token : answer;
    if (typeof token !== "string" || !token) throw {status: 401};
    var until = expiry(token, answer && answer.expiresOn), now = Date.now();
    return {token: token, renewAt: until === null ? Infinity : until - Math.max(0, Math.min(MARGIN, (until - now) / 4))};
  }

  function callback(name) {
    var f = name.split(".").reduce(function (at, key) { return at && at[key]; }, window);
    if (typeof f !== "function") return Promise.reject({status: 401});
    return Promise.resolve().then(function () { return f(); }).then(held);
  }

  function fromUrl(url) {
    return fetch(url, {credentials: "include", headers: {"Accept": "application/json"}}).then(function (r) {
      if (!r.ok) throw {status: 401};  /* the intranet gives no token: the person is not signed in there */
      return r.json();
    }).then(held);
  }

  /* The page's token and the answer of /v1/me, shared by every widget using the same source. */
  function session(script, endpoint) {
    var fixed = script.getAttribute("data-token"), url = script.getAttribute("data-token-url");
    var named = script.getAttribute("data-token-callback");
    var source = named ? "callback:" + named : url ? "url:" + url : "token:" + fixed;
    var key = endpoint + " " + source;
    if (sessions[key]) return sessions[key];
    var renew = named ? function () { return callback(named); } : url ? function () { return fromUrl(url); } : null;
    var current = renew ? null : {token: fixed || "", renewAt: Infinity}, pending = null, me = null;

    /* The token to send; ``stale`` is one the server refused, so a newer one is wanted. Calls that
       need a new token at the same time share one request for it. */
    function token(stale) {
      if (current && current.token !== stale && (Date.now() < current.renewAt || !renew)) {
        return Promise.resolve(current.token);
      }
      if (!renew) return Promise.reject({status: 401, fixed: true});
      if (!pending) {
        pending = renew().then(function (got) { current = got; pending = null; return got; },
                               function (e) { pending = null; throw e && e.status ? e : {status: 401}; });
      }
      return pending.then(function (got) { return got.token; });
    }
    return sessions[key] = {token: token, fixed: !renew, me: function (ask) {
      if (!me) { me = ask(); me.catch(function () { me = null; }); }
      return me;
    }};
  }

  function core(script) {
    core.style("base", core.BASE_CSS);
    var endpoint = script.getAttribute("data-endpoint") || script.src.replace(/\/v1\/[\w.-]+\.js(\?.*)?$/, "");
    var shared = session(script, endpoint);

    function language(el) {
      var holder = el.closest("[lang]");
      var lang = (script.getAttribute("data-lang") || (holder && holder.lang) || "en").toLowerCase();
      if (lang === "nn" || lang.indexOf("nn-") === 0) return "nn";
      if (/^(nb|no)(-|$)/.test(lang)) return "nb";
      if (/^da(-|$)/.test(lang)) return "da";
      return "en";
    }

    /* A widget's text table in its holder's language: texts(_, ngettext) -> {key: text}. */
    function textsFor(el, texts) {
      var t = translator(language(el));
      return texts(t.gettext, t.ngettext);
    }

    function token() { return shared.token(); }

    /* The response (any status; a refused token rejects with {status: 401}). The body is made into
       text once, so a retry after a new token sends the very same bytes. */
    function call(method, path, body) {
      var payload = body === undefined || body === null ? undefined : JSON.stringify(body);
      function send(t) {
        return fetch(endpoint + path, {method: method, body: payload, headers: {"Authorization": "Bearer " + t,
          "Content-Type": "application/json"}}).then(function (r) { return {r: r, t: t}; });
      }
      return shared.token().then(send).then(function (sent) {
        if (sent.r.status !== 401 || shared.fixed) return sent.r;
        return shared.token(sent.t).then(send).then(function (again) { return again.r; });
      });
    }

    /* The answer's JSON (or text), or a rejection {status, title, errors} (status 0: no answer at all;
       errors: the problem's [{field, message}], for a form to show beside each field). */
    function json(method, path, body) {
      return call(method, path, body).then(function (r) {
        if (!r.ok) {
          return r.json().catch(function () { return {}; }).then(function (problem) {
            throw {status: r.status, title: problem.title, errors: problem.errors || []};
          });
        }
        return (r.headers.get("Content-Type") || "").indexOf("json") >= 0 ? r.json() : r.text();
      }, function (e) { throw e && e.status ? e : {status: 0}; });
    }

    /* Who the page's token names, {person, roles}: asked once per page. */
    function me() { return shared.me(function () { return json("GET", "/v1/me"); }); }

    /* What a failed call says, in the holder's language; ``known`` gives a widget's own text for a
       status or a problem's title ({409: ..., "Campaign closed": ...}), or for no answer or a 5xx (down).
       Never the server's detail: it is English and written for developers. */
    function problem(holder, failure, known) {
      var t = textsFor(holder, problemTexts), status = (failure && failure.status) || 0;
      known = known || {};
      if (failure && failure.title && known[failure.title]) return known[failure.title];
      if (known[status]) return known[status];
      if ((status === 0 || status >= 500) && known.down) return known.down;
      if (status === 401) return shared.fixed ? t.ended : t.signedOut;
      if (status === 403) return t.forbidden;
      if (status === 404) return t.missing;
      if (status === 409) return t.conflict;
      if (status === 422 || status === 400 || status === 413 || status === 415) return t.invalid;
      if (status === 429) return t.busy;
      return t.down;
    }

    function el(tag, attrs, text) {
      var node = document.createElement(tag);
      Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
      if (text !== undefined) node.textContent = text;  /* never innerHTML: texts are people's own words */
      return node;
    }

    /* A modal question, asked at once: a heading, the ``lines`` (nodes) under it, and Cancel and
       Confirm with the focus on Cancel; Escape is Cancel. ``onAnswer(true)`` only for Confirm. */
    function ask(title, lines, labels, onAnswer) {
      var id = "tillit-ask-" + (++asked);
      var dialog = el("dialog", {"class": "tillit-dialog", "aria-labelledby": id});
      var body = el("div", {"class": "tillit-stack"}), buttons = el("div", {"class": "tillit-row"});
      var cancel = el("button", {type: "button", "class": "tillit-button", value: "cancel"}, labels.cancel);
      var yes = el("button", {type: "button", "class": "tillit-button tillit-button--primary", value: "confirm"},
                   labels.confirm);
      buttons.append(cancel, yes);
      body.append.apply(body, [el("h3", {id: id}, title)].concat(lines, [buttons]));
      dialog.append(body);
      cancel.addEventListener("click", function () { dialog.close("cancel"); });
      yes.addEventListener("click", function () { dialog.close("confirm"); });
      dialog.addEventListener("close", function () {
        var answer = dialog.returnValue;
        dialog.remove();
        onAnswer(answer === "confirm");
      });
      document.body.append(dialog);
      dialog.returnValue = "";
      dialog.showModal();
      cancel.focus();
    }

    return {endpoint: endpoint, language: language, texts: textsFor, token: token, call: call, json: json, me: me,
            problem: problem, el: el, ask: ask};
  }

  /* One <style data-tillit-style="id"> per page however many scripts ask for it: every Tillit script
     brings its own rules under its own id, and the base below comes with the first of them. */
  core.style = function (id, css) {
    var selector = 'style[data-tillit-style="' + String(id).replace(/["\\]/g, "") + '"]';
    var style = document.head.querySelector(selector);
    if (style) return style;
    style = document.createElement("style");
    style.setAttribute("data-tillit-style", id);
    style.textContent = css;
    /* in front of the host's own styles, so that a host rule of the same weight still wins, and
       after Tillit's earlier ones, so that a widget's rules come after the base they build on */
    var ours = document.head.querySelectorAll("style[data-tillit-style]"), last = ours[ours.length - 1];
    document.head.insertBefore(style, last ? last.nextSibling : document.head.firstChild);
    return style;
  };

  /* Tillit's design system: the custom properties a host page may set (on :root or any holder),
     their dark values, and the classes every widget and Tillit page is made of. Every selector is
     inside :where(), so its specificity is zero and any host rule wins. Colours meet WCAG AA
     contrast (4.5:1 for text, 3:1 for borders of controls and the focus ring) in light and dark.
     Widgets take the host's font; --tillit-font is for Tillit's own pages (.tillit-page). */
  core.BASE_CSS = [
    ":where(:root){--tillit-font:system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif;",
    "--tillit-text:#1d1f23;--tillit-muted:#535a63;--tillit-bg:#ffffff;--tillit-surface:#f4f6f9;",
    "--tillit-border:#d3d9e0;--tillit-control:#6b7480;--tillit-accent:#1f5f99;--tillit-accent-text:#ffffff;",
    "--tillit-danger:#a4161a;--tillit-warn:#855600;--tillit-ok:#1d6b2f;--tillit-focus:#b35c00;",
    "--tillit-radius:0.5rem;--tillit-space:0.5rem;--tillit-size-s:0.875rem;--tillit-size-m:1rem;",
    "--tillit-size-l:1.25rem;--tillit-size-xl:1.625rem}",
    "@media (prefers-color-scheme: dark){:where(:root){--tillit-text:#e8eaed;--tillit-muted:#adb4bd;",
    "--tillit-bg:#15171b;--tillit-surface:#1f2228;--tillit-border:#3a4049;--tillit-control:#8a939e;",
    "--tillit-accent:#8cc2f5;--tillit-accent-text:#0b1a29;--tillit-danger:#ff9492;--tillit-warn:#f0c05a;",
    "--tillit-ok:#84d69e;--tillit-focus:#ffb65c}}",
    /* Tillit's own pages */
    ":where(.tillit-page){margin:0;font-family:var(--tillit-font);font-size:var(--tillit-size-m);line-height:1.5;",
    "color:var(--tillit-text);background:var(--tillit-bg)}",
    ":where(.tillit-page a){color:var(--tillit-accent)}",
    /* layout */
    ":where(.tillit-card){display:block;box-sizing:border-box;background:var(--tillit-surface);color:var(--tillit-text);",
    "border:1px solid var(--tillit-border);border-radius:var(--tillit-radius);padding:calc(var(--tillit-space) * 2)}",
    ":where(.tillit-stack){display:flex;flex-direction:column;gap:calc(var(--tillit-space) * 1.5)}",
    ":where(.tillit-stack > *){margin-block:0}",
    ":where(.tillit-row){display:flex;flex-wrap:wrap;align-items:center;gap:var(--tillit-space)}",
    /* buttons */
    ":where(.tillit-button){display:inline-flex;align-items:center;justify-content:center;gap:calc(var(--tillit-space) * .5);",
    "box-sizing:border-box;min-height:2.5rem;padding:calc(var(--tillit-space) * .5) calc(var(--tillit-space) * 2);",
    "font:inherit;font-weight:600;line-height:1.2;cursor:pointer;border-radius:var(--tillit-radius);",
    "border:1px solid var(--tillit-accent);background:var(--tillit-bg);color:var(--tillit-accent);text-decoration:none}",
    ":where(.tillit-button:hover){background:var(--tillit-surface)}",
    ":where(.tillit-button--primary, .tillit-button[aria-pressed=true]){background:var(--tillit-accent);",
    "color:var(--tillit-accent-text);border-color:var(--tillit-accent)}",
    ":where(.tillit-button--primary:hover, .tillit-button[aria-pressed=true]:hover){background:var(--tillit-accent);",
    "filter:brightness(1.1)}",
    ":where(.tillit-button--danger){color:var(--tillit-danger);border-color:var(--tillit-danger)}",
    ":where(.tillit-button:disabled){cursor:not-allowed;opacity:.65}",
    ":where(.tillit-link-button){font:inherit;background:none;border:none;padding:0;color:var(--tillit-accent);",
    "text-decoration:underline;cursor:pointer}",
    /* form controls */
    ":where(.tillit-field){display:flex;flex-direction:column;gap:calc(var(--tillit-space) * .5);width:100%}",
    ":where(.tillit-field > label, .tillit-field > legend){font-weight:600}",
    ":where(.tillit-input){box-sizing:border-box;width:100%;font:inherit;color:var(--tillit-text);",
    "background:var(--tillit-bg);border:1px solid var(--tillit-control);border-radius:calc(var(--tillit-radius) * .75);",
    "padding:calc(var(--tillit-space) * .75) var(--tillit-space);min-height:2.5rem}",
    ":where(textarea.tillit-input){min-height:6em;resize:vertical;line-height:1.4}",
    ":where(select.tillit-input){width:auto;max-width:100%}",
    /* tables */
    ":where(.tillit-table-wrap){overflow-x:auto;max-width:100%}",
    ":where(.tillit-table){border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}",
    ":where(.tillit-table th, .tillit-table td){padding:calc(var(--tillit-space) * .75) var(--tillit-space);",
    "border-bottom:1px solid var(--tillit-border);text-align:start;vertical-align:top}",
    ":where(.tillit-table thead th){background:var(--tillit-surface);font-weight:600}",
    ":where(.tillit-table caption){text-align:start;font-weight:600;padding-block:var(--tillit-space)}",
    /* small things */
    ":where(.tillit-badge){display:inline-block;padding:0 calc(var(--tillit-space) * .75);border-radius:999px;",
    "font-size:var(--tillit-size-s);font-weight:600;line-height:1.6;background:var(--tillit-surface);",
    "color:var(--tillit-text);border:1px solid var(--tillit-border)}",
    ":where(.tillit-badge--ok){background:var(--tillit-ok);color:var(--tillit-bg);border-color:var(--tillit-ok)}",
    ":where(.tillit-badge--warn){background:var(--tillit-warn);color:var(--tillit-bg);border-color:var(--tillit-warn)}",
    ":where(.tillit-badge--danger){background:var(--tillit-danger);color:var(--tillit-bg);border-color:var(--tillit-danger)}",
    ":where(.tillit-muted){color:var(--tillit-muted)}",
    ":where(.tillit-error){color:var(--tillit-danger);font-weight:600}",
    ":where(.tillit-visually-hidden){position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;",
    "clip:rect(0 0 0 0);white-space:nowrap;border:0}",
    /* a focus ring on every Tillit control, visible on light and dark */
    ":where(.tillit :focus-visible, .tillit:focus-visible, .tillit-page :focus-visible, .tillit-button:focus-visible,",
    " .tillit-input:focus-visible){outline:3px solid var(--tillit-focus);outline-offset:2px}"
  ].join("");

  /* {lang: {plural: function (n) -> form index, messages: {msgid: text or [forms]}}}, merged, so
     widget.js and trust.js on one page share what each brought. */
  core.addCatalogs = function (added) {
    Object.keys(added).forEach(function (lang) {
      var catalog = catalogs[lang] = catalogs[lang] || {plural: added[lang].plural, messages: {}};
      Object.keys(added[lang].messages).forEach(function (id) { catalog.messages[id] = added[lang].messages[id]; });
    });
  };
  return core;
})();
