/* Shared by Tillit's scripts (served in front of each): where Tillit is, the page's language,
 * the user token, calls to the API, and elements whose texts are never parsed as HTML. */
window.TillitCore = window.TillitCore || function (script) {
  "use strict";
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

  return {endpoint: endpoint, language: language, token: token, call: call, el: el};
};
