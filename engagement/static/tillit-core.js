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

    /* The answer's JSON (or text), or a rejection {status, title} (status 0: no answer at all). */
    function json(method, path, body) {
      return call(method, path, body).then(function (r) {
        if (!r.ok) {
          return r.json().catch(function () { return {}; }).then(function (problem) {
            throw {status: r.status, title: problem.title};
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

    return {endpoint: endpoint, language: language, texts: textsFor, token: token, call: call, json: json, me: me,
            problem: problem, el: el};
  }

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
