/* Shared by Tillit's scripts (served in front of each): where Tillit is, the page's language and
 * its texts, the user token, calls to the API, and elements whose texts are never parsed as HTML.
 * The texts are English msgids; the server puts each language's translations from Tillit's gettext
 * catalogs in front of the script (TillitCore.addCatalogs), so a translator edits one .po file. */
window.TillitCore = window.TillitCore || (function () {
  "use strict";
  var catalogs = {};

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

  function core(script) {
    var endpoint = script.getAttribute("data-endpoint") || script.src.replace(/\/v1\/[\w.-]+\.js(\?.*)?$/, "");
    var tokenPromise = null;

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

    function token() {
      if (script.getAttribute("data-token")) return Promise.resolve(script.getAttribute("data-token"));
      if (!tokenPromise) {
        tokenPromise = fetch(script.getAttribute("data-token-url"), {credentials: "include"})
          .then(function (r) { return r.json(); }).then(function (body) { return body.token; });
        tokenPromise.catch(function () { tokenPromise = null; });
      }
      return tokenPromise;
    }

    function call(method, path, body) {
      return token().then(function (t) {
        return fetch(endpoint + path, {method: method, headers: {"Authorization": "Bearer " + t,
          "Content-Type": "application/json"}, body: body ? JSON.stringify(body) : undefined});
      });
    }

    function el(tag, attrs, text) {
      var node = document.createElement(tag);
      Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
      if (text !== undefined) node.textContent = text;  /* never innerHTML: texts are people's own words */
      return node;
    }

    return {endpoint: endpoint, language: language, texts: textsFor, token: token, call: call, el: el};
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
