/* Tillit widgets: like and "Bra!" buttons for intranet pages. No framework, no build step.
 *
 *   <script src="https://tillit.example/v1/widget.js" data-token="USER TOKEN" defer></script>
 *   <span data-tillit-like="article:news-42" data-tillit-owner="ola"></span>
 *   <span data-tillit-kudos="ola" data-tillit-about="article:news-42"></span>
 *
 * The token is minted by the intranet back end (data-token, or data-token-url answering
 * {"token": "..."}). Texts follow the page language: nb, nn, da or en.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var endpoint = script.getAttribute("data-endpoint") || script.src.replace(/\/v1\/widget\.js(\?.*)?$/, "");
  var TEXTS = {
    nb: {like: "Lik", kudos: "Bra!", sent: "Sendt!", likes: "liker dette", bra: "Bra!-er",
         retry: "Fikk ikke lagret – prøver igjen …", failed: "Kunne ikke lagre. Prøv igjen senere.",
         down: "Tillit er utilgjengelig akkurat nå."},
    nn: {like: "Lik", kudos: "Bra!", sent: "Sendt!", likes: "likar dette", bra: "Bra!-ar",
         retry: "Fekk ikkje lagra – prøver igjen …", failed: "Kunne ikkje lagra. Prøv igjen seinare.",
         down: "Tillit er utilgjengeleg akkurat no."},
    da: {like: "Synes godt om", kudos: "Godt gået!", sent: "Sendt!", likes: "synes godt om", bra: "ros",
         retry: "Kunne ikke gemme – prøver igen …", failed: "Kunne ikke gemme. Prøv igen senere.",
         down: "Tillit er utilgængelig lige nu."},
    en: {like: "Like", kudos: "Great!", sent: "Sent!", likes: "like this", bra: "kudos",
         retry: "Not saved yet – retrying …", failed: "Could not save. Please try again later.",
         down: "Tillit is unavailable right now."}
  };
  var RETRIES = [1000, 2000, 4000, 8000, 16000];
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

  function newId() {
    if (window.crypto && crypto.randomUUID) return "w-" + crypto.randomUUID();
    return "w-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }

  /* Send with the same id until the service has it: a retry can never count twice. */
  function send(event, status, t) {
    var attempt = 0;
    return new Promise(function (resolve, reject) {
      function tryOnce() {
        call("POST", "/v1/events", event).then(function (r) {
          if (r.status === 202) { status.textContent = ""; return resolve(); }
          if (r.status < 500 && r.status !== 429) { throw {final: true}; }
          throw {final: false};
        }).catch(function (err) {
          if ((err && err.final) || attempt >= RETRIES.length) {
            status.textContent = t.failed; return reject(err);
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
    var t = TEXTS[language(holder)];
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

  function showCount(parts_, n, noun) {
    parts_.count.dataset.value = String(n);
    parts_.count.textContent = n + " " + noun;
  }

  function likeButton(holder, counts) {
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
    if (!counts) { ui.status.textContent = ui.t.down; holder.dataset.state = "offline"; }
    ui.button.addEventListener("click", function () {
      liked = !liked; n += liked ? 1 : -1; render();
      var wanted = liked;
      send({id: newId(), type: wanted ? "like.added" : "like.removed", target: target,
            time: new Date().toISOString(), source: "widget"}, ui.status, ui.t)
        .then(function () { holder.dataset.state = "ok"; })
        .catch(function () { if (liked === wanted) { liked = !wanted; n += wanted ? -1 : 1; render(); } });
    });
  }

  function kudosButton(holder, counts) {
    var person = holder.getAttribute("data-tillit-kudos");
    var about = holder.getAttribute("data-tillit-about");
    var ui = build(holder, "kudos", "tillit-kudos");
    var n = counts ? counts.kudos : 0;
    showCount(ui, n, ui.t.bra);
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
      ":where(.tillit-status:empty){display:none}:where(.tillit-status){color:#8a1c1c}";
    document.head.appendChild(style);
  }

  function start() {
    injectStyle();
    var likes = Array.prototype.slice.call(document.querySelectorAll("[data-tillit-like]"));
    var kudos = Array.prototype.slice.call(document.querySelectorAll("[data-tillit-kudos]"));
    var specs = likes.map(function (el) { return el.getAttribute("data-tillit-like"); })
      .concat(kudos.map(function (el) {
        return el.getAttribute("data-tillit-about") || "person:" + el.getAttribute("data-tillit-kudos");
      }));
    var unique = specs.filter(function (s, i) { return specs.indexOf(s) === i; });
    var query = unique.map(function (s) { return "t=" + encodeURIComponent(s); }).join("&");
    var loaded = unique.length ? call("GET", "/v1/targets?" + query).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.json();
    }) : Promise.resolve({targets: []});
    loaded.then(function (body) {
      var byKey = {};
      body.targets.forEach(function (c) { byKey[c.kind + ":" + c.id] = c; });
      return byKey;
    }).catch(function () { return null; }).then(function (byKey) {
      likes.forEach(function (el) { likeButton(el, byKey && (byKey[el.getAttribute("data-tillit-like")] || {likes: 0})); });
      kudos.forEach(function (el) {
        var spec = el.getAttribute("data-tillit-about") || "person:" + el.getAttribute("data-tillit-kudos");
        kudosButton(el, byKey && (byKey[spec] || {kudos: 0}));
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
