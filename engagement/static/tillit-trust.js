/* Tillit trust-signal dashboard for communications staff. No framework, no build step.
 *
 *   <script src="https://tillit.example/v1/trust.js" data-token="USER TOKEN" defer></script>
 *   <section data-tillit-trust data-tillit-period="30d"></section>
 *
 * The token is a user token with the "communications" role (or data-token-url answering
 * {"token": "..."}, or data-token-callback: see tillit-core.js). The org tree with each team's signals and flags, sortable and
 * filterable, a month-by-month trend per team, and the CSV export. Teams smaller than the
 * minimum group size show only which unit they are counted in. Texts: nb, nn, da or en.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var core = window.TillitCore(script), language = core.language, el = core.el;
  var COLUMNS = ["members", "shared_share", "contributions_per_member", "likes_per_member", "recognised_share",
                 "leader_participation", "cross_team_share", "top_person_share", "trend", "unanswered_ideas"];
  var PERCENT = {shared_share: 1, recognised_share: 1, leader_participation: 1, cross_team_share: 1,
                 top_person_share: 1, trend: 1};
  function texts(_, ngettext) {
    return {title: _("Trust signals by team"), period: _("Period"), search: _("Search teams"), flag: _("Show"),
            all: _("All teams"), flagged: _("Teams with flags"), team: _("Team"), flags: _("Flags"),
            csv: _("Download CSV"),
            folded: _("Counted in {unit}"), hidden: _("Too small to show alone"), empty: _("No members of its own"),
            unit: _("The whole unit together"), none: _("None"), trend: _("Trend for {team}"),
            denied: _("You do not have access to the trust report."),
            days: function (n) { return ngettext("last {n} day", "last {n} days", n); },
            rows: function (n) { return ngettext("{n} team shown", "{n} teams shown", n); },
            /* whole strings, never "a" + "b": the server finds each msgid with Babel's JavaScript extractor */
            privacy: function (n) {
              return ngettext(
                "Only teams of at least {n} person are shown; smaller teams count in the unit above. No person is shown.",
                "Only teams of at least {n} people are shown; smaller teams count in the unit above. No person is shown.",
                n);
            },
            cols: [_("Members"), _("Share who shared"), _("Contributions per member"), _("Likes per member"),
                   _("Contributions recognised"), _("Leaders taking part"), _("Interaction with other teams"),
                   _("Most active person's share"), _("Change vs before"), _("Unanswered ideas")]};
  }
  function get(path) { return core.json("GET", path); }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, k) { return values[k]; });
  }

  function shown(key, value) {
    if (value === null || value === undefined) return "–";
    if (PERCENT[key]) return (key === "trend" && value > 0 ? "+" : "") + Math.round(value * 100) + " %";
    return String(Math.round(value * 100) / 100);
  }

  function months(count) {
    var out = [], d = new Date();
    for (var i = 1; i <= count; i++) {
      var m = new Date(d.getFullYear(), d.getMonth() - i, 1);
      out.push(m.getFullYear() + "-" + String(m.getMonth() + 1).padStart(2, "0"));
    }
    return out;
  }

  var chartCount = 0;

  /* A small SVG line chart of share who shared and contributions per member, month by month. */
  function chart(series, t) {
    var w = 520, h = 180, pad = 30, n = series.length;
    var svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    var id = "tillit-chart-" + (++chartCount);
    svg.setAttribute("viewBox", "0 0 " + w + " " + h);
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-labelledby", id);
    var desc = document.createElementNS(svg.namespaceURI, "title");
    desc.id = id;
    desc.textContent = series.map(function (m) {
      return m.month + ": " + shown("shared_share", m.shared_share) + ", " + shown("", m.contributions_per_member);
    }).join("; ");
    svg.appendChild(desc);
    var top = Math.max(1, Math.max.apply(null, series.map(function (m) { return m.contributions_per_member || 0; })));
    [["shared_share", 1, "#1f5f99"], ["contributions_per_member", top, "#b35c00"]].forEach(function (line) {
      var points = [];  /* a month when the team was too small has no numbers: no point, not a zero */
      series.forEach(function (m, i) {
        if (m.suppressed) return;
        var x = pad + (w - 2 * pad) * (n > 1 ? i / (n - 1) : 0.5);
        points.push(x.toFixed(1) + "," + (h - pad - (h - 2 * pad) * ((m[line[0]] || 0) / line[1])).toFixed(1));
      });
      var path = document.createElementNS(svg.namespaceURI, "polyline");
      path.setAttribute("points", points.join(" "));
      path.setAttribute("fill", "none");
      path.setAttribute("stroke", line[2]);
      path.setAttribute("stroke-width", "2.5");
      svg.appendChild(path);
    });
    series.forEach(function (m, i) {
      if (n > 6 && i % 2) return;
      var label = document.createElementNS(svg.namespaceURI, "text");
      label.setAttribute("x", String(pad + (w - 2 * pad) * (n > 1 ? i / (n - 1) : 0.5)));
      label.setAttribute("y", String(h - 8));
      label.setAttribute("font-size", "11");
      label.setAttribute("text-anchor", "middle");
      label.textContent = m.month.slice(2);
      svg.appendChild(label);
    });
    var legend = el("p", {"class": "tillit-legend"});
    legend.append(el("span", {"class": "tillit-key tillit-key-share"}, t.cols[1]),
                  el("span", {"class": "tillit-key tillit-key-rate"}, t.cols[2]));
    var box = el("div", {"class": "tillit-chart"});
    box.append(svg, legend);
    return box;
  }

  function trustDashboard(holder) {
    var lang = language(holder), t = core.texts(holder, texts);
    var state = {period: holder.getAttribute("data-tillit-period") || "30d", query: "", flag: "", sort: null, desc: true};
    var body = null;
    holder.classList.add("tillit-trust");
    holder.innerHTML = "";
    var controls = el("form", {"class": "tillit-controls"});
    var periodSelect = el("select", {id: "tillit-trust-period"});
    ["30d", "90d"].concat(months(12)).forEach(function (p) {
      var label = /d$/.test(p) ? t.days(parseInt(p, 10)) : p;
      periodSelect.append(el("option", {value: p}, label));
    });
    periodSelect.value = state.period;
    if (periodSelect.value !== state.period) { periodSelect.append(el("option", {value: state.period}, state.period)); periodSelect.value = state.period; }
    var search = el("input", {id: "tillit-trust-search", type: "search"});
    var flagSelect = el("select", {id: "tillit-trust-flag"});
    flagSelect.append(el("option", {value: ""}, t.all), el("option", {value: "*"}, t.flagged));
    var csv = el("button", {type: "button", "class": "tillit-button"}, t.csv);
    controls.append(el("label", {"for": "tillit-trust-period"}, t.period), periodSelect,
                    el("label", {"for": "tillit-trust-search"}, t.search), search,
                    el("label", {"for": "tillit-trust-flag"}, t.flag), flagSelect, csv);
    var note = el("p", {"class": "tillit-privacy"});
    var count = el("p", {"class": "tillit-count", role: "status"});
    var tableBox = el("div", {"class": "tillit-table-box"});
    var trendBox = el("section", {"class": "tillit-trend", "aria-live": "polite"});
    holder.append(el("h2", {}, t.title), controls, note, count, tableBox, trendBox);

    controls.addEventListener("submit", function (e) { e.preventDefault(); });
    periodSelect.addEventListener("change", function () { state.period = periodSelect.value; load(); });
    search.addEventListener("input", function () { state.query = search.value.trim().toLowerCase(); render(); });
    flagSelect.addEventListener("change", function () { state.flag = flagSelect.value; render(); });
    csv.addEventListener("click", function () {
      get("/v1/trust/report?format=csv&lang=" + lang + "&period=" + state.period).then(function (text) {
        var link = el("a", {href: URL.createObjectURL(new Blob([text], {type: "text/csv"})),
                            download: "tillit-trust-" + state.period + ".csv"});
        document.body.append(link); link.click(); link.remove();
        count.textContent = t.rows(ordered().length);
      }, failed);
    });
    function failed(failure) { count.textContent = core.problem(holder, failure, {403: t.denied}); }

    function flagOptions() {
      var seen = {};
      body.teams.forEach(function (row) { (row.flags || []).forEach(function (f) { seen[f.flag] = f.title; }); });
      while (flagSelect.options.length > 2) flagSelect.remove(2);
      Object.keys(seen).sort().forEach(function (k) { flagSelect.append(el("option", {value: k}, seen[k])); });
      flagSelect.value = seen[state.flag] || state.flag === "*" ? state.flag : "";
    }

    function visible(row) {
      if (state.query && row.name.toLowerCase().indexOf(state.query) < 0) return false;
      if (!state.flag) return true;
      var flags = row.flags || [];
      return state.flag === "*" ? flags.length > 0 : flags.some(function (f) { return f.flag === state.flag; });
    }

    function ordered() {
      var rows = body.teams.filter(visible);
      if (!state.sort) return rows;
      var key = state.sort, sign = state.desc ? -1 : 1;
      return rows.slice().sort(function (a, b) {
        var x = a.signals ? a.signals[key] : null, y = b.signals ? b.signals[key] : null;
        if (x === null || x === undefined) return 1;
        if (y === null || y === undefined) return -1;
        return sign * (x - y) || a.name.localeCompare(b.name);
      });
    }

    function header(table) {
      var row = el("tr");
      row.append(el("th", {scope: "col"}, t.team));
      COLUMNS.forEach(function (key, i) {
        var th = el("th", {scope: "col", "aria-sort": state.sort === key ? (state.desc ? "descending" : "ascending") : "none"});
        var button = el("button", {type: "button", "class": "tillit-sort", "data-key": key}, t.cols[i]);
        button.addEventListener("click", function () {
          state.desc = state.sort === key ? !state.desc : true;
          state.sort = key;
          render();
          holder.querySelector(".tillit-sort[data-key='" + key + "']").focus();
        });
        th.append(button);
        row.append(th);
      });
      row.append(el("th", {scope: "col"}, t.flags));
      var head = el("thead");
      head.append(row);
      table.append(head);
    }

    function teamCell(row) {
      var cell = el("th", {scope: "row", style: state.sort ? "" : "padding-left:" + (0.5 + row.depth * 1.2) + "em"});
      if (row.suppressed) { cell.textContent = row.name; return cell; }
      var button = el("button", {type: "button", "class": "tillit-team", "data-team": row.id}, row.name);
      button.addEventListener("click", function () { showTrend(row); });
      cell.append(button);
      if (row.includes && row.includes.length) {
        cell.append(el("span", {"class": "tillit-includes"}, " + " + row.includes.map(function (i) { return i.name; }).join(", ")));
      }
      return cell;
    }

    function flagCell(row) {
      var cell = el("td", {"class": "tillit-flags"});
      if (row.suppressed) {
        cell.textContent = row.no_members ? t.empty : row.folded_into ? fill(t.folded, {unit: nameOf(row.folded_into)}) : t.hidden;
        if (row.unit_signals && !state.sort) cell.textContent += ". " + t.unit + ".";
        return cell;
      }
      if (!row.flags.length) { cell.textContent = t.none; return cell; }
      row.flags.forEach(function (f) {
        var details = el("details", {"class": "tillit-flag", "data-flag": f.flag});
        details.append(el("summary", {}, f.title), el("p", {}, f.reason), el("p", {"class": "tillit-action"}, f.action));
        cell.append(details);
      });
      return cell;
    }

    function nameOf(id) {
      for (var i = 0; i < body.teams.length; i++) if (body.teams[i].id === id) return body.teams[i].name;
      return id;
    }

    function render() {
      var table = el("table", {"class": "tillit-table"});
      header(table);
      var rows = el("tbody"), list = ordered();
      list.forEach(function (row) {
        var tr = el("tr", {"data-team": row.id, "class": row.suppressed ? "tillit-suppressed" : (row.flags.length ? "tillit-flagged" : "")});
        tr.append(teamCell(row));
        var numbers = row.signals || (!state.sort && row.unit_signals), unitOnly = !row.signals && numbers;
        COLUMNS.forEach(function (key) {
          tr.append(el("td", unitOnly ? {"class": "tillit-unit"} : {}, numbers ? shown(key, numbers[key]) : ""));
        });
        tr.append(flagCell(row));
        rows.append(tr);
      });
      table.append(rows);
      tableBox.innerHTML = "";
      tableBox.append(table);
      count.textContent = t.rows(list.length);
    }

    function showTrend(row) {
      var until = /^\d{4}-\d{2}$/.test(state.period) ? "&until=" + state.period : "";
      get("/v1/trust/teams/" + encodeURIComponent(row.id) + "/trend?months=12" + until).then(function (trend) {
        trendBox.innerHTML = "";
        trendBox.append(el("h3", {}, fill(t.trend, {team: row.name})), chart(trend.series, t));
      }, failed);
    }

    function load() {
      get("/v1/trust/report?lang=" + lang + "&period=" + state.period).then(function (b) {
        body = b;
        note.textContent = t.privacy(b.min_group_size);
        holder.dataset.state = "ready";
        flagOptions();
        render();
      }, function (failure) {
        tableBox.textContent = core.problem(holder, failure, {403: t.denied});
        holder.dataset.state = "offline";
      });
    }
    load();
  }

  function injectStyle() {
    if (document.getElementById("tillit-trust-style")) return;
    var style = document.createElement("style");
    style.id = "tillit-trust-style";
    /* :where() keeps specificity at zero, so any host rule wins. */
    style.textContent =
      ":where(.tillit-trust){display:block;font:inherit}" +
      ":where(.tillit-controls){display:flex;flex-wrap:wrap;gap:.4em 1em;align-items:center;margin:.5em 0}" +
      ":where(.tillit-controls select,.tillit-controls input){font:inherit;padding:.2em .4em}" +
      ":where(.tillit-button){font:inherit;cursor:pointer;padding:.3em .8em;border-radius:1em;" +
      "border:1px solid var(--tillit-accent,#1f5f99);background:#fff;color:var(--tillit-accent,#1f5f99)}" +
      ":where(.tillit-trust button:focus-visible,.tillit-trust select:focus-visible,.tillit-trust input:focus-visible," +
      ".tillit-trust summary:focus-visible){outline:3px solid var(--tillit-focus,#b35c00);outline-offset:2px}" +
      ":where(.tillit-table-box){overflow-x:auto}" +
      ":where(.tillit-table){border-collapse:collapse;font-size:.9em;min-width:100%}" +
      ":where(.tillit-table th,.tillit-table td){border-bottom:1px solid #d5dbe1;padding:.35em .5em;text-align:right;vertical-align:top}" +
      ":where(.tillit-table th[scope=row],.tillit-table td.tillit-flags,.tillit-table th:first-child,.tillit-table th:last-child){text-align:left}" +
      ":where(.tillit-sort,.tillit-team){font:inherit;font-weight:600;background:none;border:none;color:#1f3b57;cursor:pointer;text-align:inherit;padding:0}" +
      ":where(.tillit-team){text-decoration:underline}" +
      ":where(.tillit-suppressed){color:#4a4a4f;font-style:italic}" +
      ":where(.tillit-flagged th[scope=row]){box-shadow:inset 4px 0 #b35c00}" +
      ":where(.tillit-flag summary){cursor:pointer;font-weight:600;color:#8a3b00}" +
      ":where(.tillit-flag p){margin:.2em 0 .4em;max-width:28em}:where(.tillit-action){color:#1d6b2f}" +
      ":where(.tillit-unit){font-style:italic;color:#4a4a4f}" +
      ":where(.tillit-includes){font-weight:normal;color:#4a4a4f;font-size:.85em}" +
      ":where(.tillit-privacy){color:#4a4a4f;font-size:.9em}" +
      ":where(.tillit-chart svg){max-width:36em;width:100%;background:#fafbfc;border:1px solid #d5dbe1}" +
      ":where(.tillit-key){margin-right:1.2em}:where(.tillit-key)::before{content:'';display:inline-block;width:1.2em;" +
      "height:.25em;vertical-align:middle;margin-right:.4em;background:#1f5f99}" +
      ":where(.tillit-key-rate)::before{background:#b35c00}";
    document.head.appendChild(style);
  }

  function start() {
    injectStyle();
    Array.prototype.forEach.call(document.querySelectorAll("[data-tillit-trust]"), trustDashboard);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
