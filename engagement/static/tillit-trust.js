/* Tillit trust-signal dashboard for communications staff. No framework, no build step.
 *
 *   <script src="https://tillit.example/v1/trust.js" data-token="USER TOKEN" defer></script>
 *   <section data-tillit-trust data-tillit-period="30d"></section>
 *
 * The token is a user token with the "communications" role (or data-token-url answering
 * {"token": "..."}, or data-token-callback: see tillit-core.js). The org tree with each team's
 * signals and flags (each flag opens to its reason and a suggested action), sortable and
 * filterable, a month-by-month trend per team in two charts with axes and a table, the CSV
 * export (for a spreadsheet in the page's language) and a print view that says its period, when
 * it was made and every flag in words. A visitor without the role sees only the refusal and why,
 * never the dashboard's empty frame. Period, unit, filters and sort are kept in the page's address
 * (?period=&unit=&flag=&q=&sort=&order=), so a reload or a shared link shows the same view. On a
 * holder narrower than 40rem each team is a card. Teams smaller than the minimum group size show
 * only which unit they are counted in, exactly as the report folds them. Texts: nb, nn, da or en.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var core = window.TillitCore(script), language = core.language, el = core.el;
  var SVG = "http://www.w3.org/2000/svg";
  var COLUMNS = ["members", "shared_share", "contributions_per_member", "likes_per_member", "recognised_share",
                 "leader_participation", "cross_team_share", "top_person_share", "trend", "unanswered_ideas"];
  var PERCENT = {shared_share: 1, recognised_share: 1, leader_participation: 1, cross_team_share: 1,
                 top_person_share: 1, trend: 1};
  var STATE_KEYS = ["period", "unit", "flag", "q", "sort", "order"];  /* what the address keeps */

  function texts(_, ngettext) {
    return {title: _("Trust signals by team"), period: _("Period"), search: _("Search teams"), flag: _("Show"),
            all: _("All teams"), flagged: _("Teams with flags"), team: _("Team"), flags: _("Flags"),
            csv: _("Download CSV"), print: _("Print"), unitFilter: _("Unit"), wholeOrg: _("The whole organisation"),
            sortBy: _("Sort by"), treeOrder: _("Org tree"), ascending: _("lowest first"), descending: _("highest first"),
            order: _("Order"),
            folded: _("Counted in {unit}"), hidden: _("Too small to show alone"), empty: _("No members of its own"),
            unit: _("The whole unit together"), none: _("None"), trend: _("Trend for {team}"),
            denied: _("You do not have access to the trust report."),
            deniedWhy: _("The trust report is for communications staff. If your work needs it, ask whoever manages Tillit to give you the communications role."),
            loading: _("Loading…"),
            /* TRANSLATORS: printed at the top of the report: "Period: 1–31 October 2026". */
            periodIs: _("Period: {period}"),
            /* TRANSLATORS: printed at the top of the report: "Made 30 November 2026, 14:05". */
            madeAt: _("Made {when}"),
            /* TRANSLATORS: printed at the top of the report: "Unit: Helse and the teams below it". */
            unitIs: _("Unit: {unit} and the teams below it"),
            month: _("Month"), asTable: _("The trend as a table"), noNumbers: _("too small to show"),
            gap: _("A gap in a line is a month when the team was too small to show on its own."),
            perMember: _("per member per month"), percentOfMembers: _("percent of members"),
            reason: _("Why"), action: _("What you can do"),
            days: function (n) { return ngettext("last {n} day", "last {n} days", n); },
            rows: function (n) { return ngettext("{n} team shown", "{n} teams shown", n); },
            /* whole strings, never "a" + "b": the server finds each msgid with Babel's JavaScript extractor */
            privacy: function (n) {
              return ngettext(
                "Only teams of at least {n} person are shown; smaller teams count in the unit above. No person is shown.",
                "Only teams of at least {n} people are shown; smaller teams count in the unit above. No person is shown.",
                n);
            },
            /* short headers for the table (the full name is each header's tooltip and a card's label) */
            heads: [_("Members"), _("Shared"), _("Contrib. / member"), _("Likes / member"), _("Recognised"),
                    _("Leaders active"), _("Other teams"), _("Top person"), _("Change vs 3 mo. before"), _("Open ideas")],
            cols: [_("Members"), _("Share who shared"), _("Contributions per member"), _("Likes per member"),
                   _("Contributions recognised"), _("Leaders taking part"), _("Interaction with other teams"),
                   _("Most active person's share"),
                   _("Change in contributions per member from the three months before"), _("Unanswered ideas")]};
  }
  function get(path) { return core.json("GET", path); }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, k) { return values[k]; });
  }

  /* A signal as a cell shows it: shares as whole percentages, rates with one decimal in the
     page's language (2,5 in Norwegian), counts as they are. */
  function shown(key, value, lang) {
    if (value === null || value === undefined) return "–";
    if (PERCENT[key]) return (key === "trend" && value > 0 ? "+" : "") + Math.round(value * 100) + " %";
    return Number(value).toLocaleString(lang, {maximumFractionDigits: 1});
  }

  function months(count) {
    var out = [], d = new Date();
    for (var i = 1; i <= count; i++) {
      var m = new Date(d.getFullYear(), d.getMonth() - i, 1);
      out.push(m.getFullYear() + "-" + String(m.getMonth() + 1).padStart(2, "0"));
    }
    return out;
  }

  /* 2026-10 as "okt. 2026" / "Oct 2026" in the page's language (``long``: "oktober 2026"): the
     whole year, since "okt. 26" reads as a day of the month. */
  function monthLabel(month, lang, long) {
    var parts = month.split("-");
    return new Date(+parts[0], +parts[1] - 1, 1).toLocaleDateString(lang, {month: long ? "long" : "short", year: "numeric"});
  }

  /* The report's period in words: "1.–31. oktober 2026" (the days it covers, both included). */
  function periodText(period, lang) {
    var format = new Intl.DateTimeFormat(lang, {day: "numeric", month: "long", year: "numeric", timeZone: "UTC"});
    var start = new Date(period.start + "T12:00:00Z"), end = new Date(period.end + "T12:00:00Z");
    return format.formatRange ? format.formatRange(start, end) : format.format(start) + " – " + format.format(end);
  }

  /* A round top for a y axis and its step: 0.37 -> 0.4 by 0.1, 2.3 -> 2.5 by 0.5, 7 -> 8 by 2. */
  function niceScale(top) {
    if (!(top > 0)) return {top: 1, step: 0.25};
    var raw = top / 4, magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
    var step = [1, 2, 2.5, 5, 10].map(function (f) { return f * magnitude; })
      .filter(function (s) { return s >= raw; })[0];
    return {top: Math.ceil(top / step - 1e-9) * step, step: step};
  }

  function svgEl(tag, attrs, text) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  var chartCount = 0;

  /* One line chart with one unit on its y axis: gridlines and ticks, month labels on the x axis,
     the axis's unit as its title, and a legend naming each line. A month without numbers (the
     team too small then) is a gap in the line, never a zero. */
  function lineChart(spec, series, lang) {
    var w = 480, h = 262, left = 58, right = 28, top = 16, bottom = 50, n = series.length;
    var id = "tillit-chart-" + (++chartCount);
    var highest = 0;
    spec.lines.forEach(function (line) {
      series.forEach(function (m) { if (!m.suppressed && m[line.key] > highest) highest = m[line.key]; });
    });
    var scale = spec.percent ? {top: 1, step: 0.25} : niceScale(highest);
    function x(i) { return left + (w - left - right) * (n > 1 ? i / (n - 1) : 0.5); }
    function y(v) { return top + (h - top - bottom) * (1 - v / scale.top); }
    function tick(v) { return spec.percent ? Math.round(v * 100) + " %" : shown("", v, lang); }
    var svg = svgEl("svg", {viewBox: "0 0 " + w + " " + h, role: "img", "aria-labelledby": id, "class": "tillit-chart-svg"});
    svg.appendChild(svgEl("title", {id: id}, spec.title + " (" + spec.unit + ")"));
    for (var v = 0; v <= scale.top + 1e-9; v += scale.step) {
      svg.appendChild(svgEl("line", {x1: left, x2: w - right, y1: y(v), y2: y(v), "class": v ? "tillit-grid" : "tillit-axis"}));
      svg.appendChild(svgEl("text", {x: left - 6, y: y(v) + 4, "text-anchor": "end", "class": "tillit-tick"}, tick(v)));
    }
    svg.appendChild(svgEl("line", {x1: left, x2: left, y1: top, y2: h - bottom, "class": "tillit-axis"}));
    var every = n > 8 ? 2 : 1, year = null;
    series.forEach(function (m, i) {
      if ((n - 1 - i) % every) return;  /* the latest month always has its label */
      /* the month, and under it the year where the year is new (the first label, then each January) */
      var label = svgEl("text", {x: x(i), y: h - bottom + 22, "text-anchor": "middle", "class": "tillit-tick"});
      var date = new Date(+m.month.slice(0, 4), +m.month.slice(5) - 1, 1);
      label.appendChild(svgEl("tspan", {x: x(i)}, date.toLocaleDateString(lang, {month: "short"})));
      if (m.month.slice(0, 4) !== year) {
        year = m.month.slice(0, 4);
        label.appendChild(svgEl("tspan", {x: x(i), dy: "1.2em"}, year));
      }
      svg.appendChild(label);
    });
    spec.lines.forEach(function (line, li) {
      var runs = [[]];
      series.forEach(function (m, i) {
        if (m.suppressed || m[line.key] === null || m[line.key] === undefined) { runs.push([]); return; }
        runs[runs.length - 1].push([x(i), y(m[line.key])]);
      });
      runs.filter(function (r) { return r.length; }).forEach(function (run) {
        svg.appendChild(svgEl("polyline", {points: run.map(function (p) { return p[0].toFixed(1) + "," + p[1].toFixed(1); }).join(" "),
                                           "class": "tillit-line tillit-line-" + li}));
        run.forEach(function (p) {
          svg.appendChild(svgEl("circle", {cx: p[0].toFixed(1), cy: p[1].toFixed(1), r: 3, "class": "tillit-dot tillit-line-" + li}));
        });
      });
    });
    var figure = el("figure", {"class": "tillit-chart", "data-chart": spec.name});
    var caption = el("figcaption");
    caption.append(el("strong", {}, spec.title), " ", el("span", {"class": "tillit-unit-label"}, "(" + spec.unit + ")"));
    var legend = el("ul", {"class": "tillit-legend"});
    spec.lines.forEach(function (line, li) {
      legend.append(el("li", {"class": "tillit-key tillit-line-" + li}, line.label));
    });
    figure.append(caption, svg, legend);
    return figure;
  }

  /* The same numbers as the charts, as a table: what a screen reader (or a person who wants the
     exact values) reads. */
  function trendTable(series, t, lang) {
    var table = el("table", {"class": "tillit-table"});
    var head = el("tr");
    [t.month, t.cols[1], t.cols[2], t.cols[3]].forEach(function (label) { head.append(el("th", {scope: "col"}, label)); });
    var thead = el("thead"), tbody = el("tbody");
    thead.append(head);
    series.forEach(function (m) {
      var tr = el("tr");
      tr.append(el("th", {scope: "row"}, monthLabel(m.month, lang)));
      ["shared_share", "contributions_per_member", "likes_per_member"].forEach(function (key) {
        tr.append(el("td", {}, m.suppressed ? t.noNumbers : shown(key, m[key], lang)));
      });
      tbody.append(tr);
    });
    table.append(thead, tbody);
    var details = el("details", {"class": "tillit-trend-table"});
    var wrap = el("div", {"class": "tillit-table-wrap"});
    wrap.append(table);
    details.append(el("summary", {}, t.asTable), wrap);
    return details;
  }

  function charts(series, t, lang) {
    var box = el("div", {"class": "tillit-charts"});
    box.append(
      lineChart({name: "share", title: t.cols[1], unit: t.percentOfMembers, percent: true,
                 lines: [{key: "shared_share", label: t.cols[1]}]}, series, lang),
      lineChart({name: "rates", title: t.cols[2] + " · " + t.cols[3], unit: t.perMember,
                 lines: [{key: "contributions_per_member", label: t.cols[2]}, {key: "likes_per_member", label: t.cols[3]}]},
                series, lang));
    var out = el("div", {"class": "tillit-stack"});
    out.append(box);
    if (series.some(function (m) { return m.suppressed; })) out.append(el("p", {"class": "tillit-muted"}, t.gap));
    out.append(trendTable(series, t, lang));
    return out;
  }

  /* The view as the address has it (?period=&unit=&flag=&q=&sort=&order=), over the holder's defaults. */
  function fromAddress(holder) {
    var query = new URLSearchParams(window.location.search);
    var sort = query.get("sort");
    return {period: query.get("period") || holder.getAttribute("data-tillit-period") || "30d",
            unit: query.get("unit") || "", flag: query.get("flag") || "", query: query.get("q") || "",
            sort: COLUMNS.indexOf(sort) >= 0 ? sort : null, desc: query.get("order") !== "asc"};
  }

  /* The view into the address without a new history entry; the host page's own parameters stay. */
  function toAddress(state) {
    var url = new URL(window.location.href), q = url.searchParams;
    STATE_KEYS.forEach(function (k) { q.delete(k); });
    q.set("period", state.period);
    if (state.unit) q.set("unit", state.unit);
    if (state.flag) q.set("flag", state.flag);
    if (state.query) q.set("q", state.query);
    if (state.sort) { q.set("sort", state.sort); q.set("order", state.desc ? "desc" : "asc"); }
    window.history.replaceState(window.history.state, "", url.pathname + "?" + q.toString() + url.hash);
  }

  function field(id, label, control) {
    var box = el("div", {"class": "tillit-trust-field"});
    box.append(el("label", {"for": id}, label), control);
    return box;
  }

  function trustDashboard(holder) {
    var lang = language(holder), t = core.texts(holder, texts);
    var state = fromAddress(holder);
    var body = null, units = null;
    holder.classList.add("tillit-trust", "tillit");
    holder.innerHTML = "";
    var controls = el("form", {"class": "tillit-controls"});
    var periodSelect = el("select", {id: "tillit-trust-period", "class": "tillit-input"});
    ["30d", "90d"].concat(months(12)).forEach(function (p) {
      periodSelect.append(el("option", {value: p}, /d$/.test(p) ? t.days(parseInt(p, 10)) : monthLabel(p, lang, true)));
    });
    var unitSelect = el("select", {id: "tillit-trust-unit", "class": "tillit-input"});
    var search = el("input", {id: "tillit-trust-search", type: "search", "class": "tillit-input"});
    search.value = state.query;
    var flagSelect = el("select", {id: "tillit-trust-flag", "class": "tillit-input"});
    flagSelect.append(el("option", {value: ""}, t.all), el("option", {value: "*"}, t.flagged));
    var sortSelect = el("select", {id: "tillit-trust-sort", "class": "tillit-input"});
    sortSelect.append(el("option", {value: ""}, t.treeOrder));
    COLUMNS.forEach(function (key, i) { sortSelect.append(el("option", {value: key}, t.cols[i])); });
    var orderSelect = el("select", {id: "tillit-trust-order", "class": "tillit-input"});
    orderSelect.append(el("option", {value: "desc"}, t.descending), el("option", {value: "asc"}, t.ascending));
    var csv = el("button", {type: "button", "class": "tillit-button", "data-action": "csv"}, t.csv);
    var print = el("button", {type: "button", "class": "tillit-button", "data-action": "print"}, t.print);
    var actions = el("div", {"class": "tillit-row tillit-trust-actions"});
    actions.append(csv, print);
    controls.append(field("tillit-trust-period", t.period, periodSelect), field("tillit-trust-unit", t.unitFilter, unitSelect),
                    field("tillit-trust-flag", t.flag, flagSelect), field("tillit-trust-search", t.search, search),
                    field("tillit-trust-sort", t.sortBy, sortSelect), field("tillit-trust-order", t.order, orderSelect),
                    actions);
    var note = el("p", {"class": "tillit-privacy tillit-muted"});
    var count = el("p", {"class": "tillit-count", role: "status"});
    var tableBox = el("div", {"class": "tillit-table-wrap tillit-trust-table tillit-table-box", tabindex: "0", role: "region",
                              "aria-label": t.title});
    var trendBox = el("section", {"class": "tillit-trend", "aria-live": "polite"});
    var meta = el("div", {"class": "tillit-trust-meta"});  /* what a printed copy says about itself */
    var parts = [el("h2", {}, t.title), meta, controls, note, count, tableBox, trendBox], built = false;
    holder.append(el("p", {"class": "tillit-muted"}, t.loading));

    /* The dashboard's parts only once the report has answered: a refused visitor never sees
       filters or a table with nothing in it. */
    function build() {
      if (built) return;
      built = true;
      holder.textContent = "";
      parts.forEach(function (part) { holder.append(part); });
    }

    /* Only the refusal, and why, in the page's language. */
    function refuse(failure) {
      holder.textContent = "";
      var box = el("div", {"class": "tillit-card tillit-stack tillit-trust-refused", role: "alert"});
      box.append(el("p", {"class": "tillit-error"}, core.problem(holder, failure, {403: t.denied})));
      if (failure && failure.status === 403) box.append(el("p", {}, t.deniedWhy));
      holder.append(box);
    }

    function describe(b) {
      meta.textContent = "";
      meta.append(el("p", {}, fill(t.periodIs, {period: periodText(b.period, lang)})));
      if (state.unit) meta.append(el("p", {}, fill(t.unitIs, {unit: unitSelect.options[unitSelect.selectedIndex].text.trim()})));
      var when = new Intl.DateTimeFormat(lang, {dateStyle: "long", timeStyle: "short"}).format(new Date());
      meta.append(el("p", {}, fill(t.madeAt, {when: when})));
    }

    function setPeriod() {
      periodSelect.value = state.period;
      if (periodSelect.value !== state.period) {
        periodSelect.append(el("option", {value: state.period}, state.period));
        periodSelect.value = state.period;
      }
    }
    function setSort() {
      sortSelect.value = state.sort || "";
      orderSelect.value = state.desc ? "desc" : "asc";
      orderSelect.disabled = !state.sort;
    }
    setPeriod();
    setSort();

    controls.addEventListener("submit", function (e) { e.preventDefault(); });
    periodSelect.addEventListener("change", function () { state.period = periodSelect.value; load(); });
    unitSelect.addEventListener("change", function () { state.unit = unitSelect.value; load(); });
    search.addEventListener("input", function () { state.query = search.value.trim(); render(); });
    flagSelect.addEventListener("change", function () { state.flag = flagSelect.value; render(); });
    sortSelect.addEventListener("change", function () { state.sort = sortSelect.value || null; state.desc = true; render(); });
    orderSelect.addEventListener("change", function () { state.desc = orderSelect.value === "desc"; render(); });
    print.addEventListener("click", function () { window.print(); });
    csv.addEventListener("click", function () {
      /* the server's CSV in the page's language (its cells safe from spreadsheet formulas), for the
         period, unit and flag in view */
      var flag = state.flag && state.flag !== "*" ? "&flag=" + encodeURIComponent(state.flag) : "";
      get("/v1/trust/report?format=csv&lang=" + lang + "&period=" + encodeURIComponent(state.period) +
          (state.unit ? "&unit=" + encodeURIComponent(state.unit) : "") + flag).then(function (text) {
        /* the byte order mark again (reading the answer as text drops it): Excel needs it for æ, ø, å */
        var file = new Blob(["\ufeff" + text.replace(/^\ufeff/, "")], {type: "text/csv;charset=utf-8"});
        var link = el("a", {href: URL.createObjectURL(file),
                            download: "tillit-trust-" + state.period + (state.unit ? "-" + state.unit : "") + ".csv"});
        document.body.append(link); link.click(); link.remove();
      }, failed);
    });
    /* printed: every flag's reason and action open, as on screen when opened one by one */
    window.addEventListener("beforeprint", function () {
      holder.querySelectorAll("details:not([open])").forEach(function (d) { d.setAttribute("open", ""); d.dataset.printOpened = "1"; });
    });
    window.addEventListener("afterprint", function () {
      holder.querySelectorAll("details[data-print-opened]").forEach(function (d) { d.removeAttribute("open"); delete d.dataset.printOpened; });
    });
    function failed(failure) {
      if (!built) { refuse(failure); return; }
      count.textContent = core.problem(holder, failure, {403: t.denied});
    }

    function flagOptions() {
      var seen = {};
      body.teams.forEach(function (row) { (row.flags || []).forEach(function (f) { seen[f.flag] = f.title; }); });
      while (flagSelect.options.length > 2) flagSelect.remove(2);
      Object.keys(seen).sort().forEach(function (k) { flagSelect.append(el("option", {value: k}, seen[k])); });
      if (state.flag && state.flag !== "*" && !seen[state.flag]) state.flag = "";
      flagSelect.value = state.flag;
    }

    /* The units to narrow the report to: teams with teams below them, from the widest report seen. */
    function unitOptions() {
      if (!units || !state.unit) {
        var parents = {};
        body.teams.forEach(function (row) { if (row.parent) parents[row.parent] = true; });
        units = body.teams.filter(function (row) { return parents[row.id]; })
          .map(function (row) { return {id: row.id, name: row.name, depth: row.depth}; });
      }
      unitSelect.innerHTML = "";
      unitSelect.append(el("option", {value: ""}, t.wholeOrg));
      units.forEach(function (u) {
        unitSelect.append(el("option", {value: u.id}, "\u00a0\u00a0".repeat(u.depth) + u.name));
      });
      unitSelect.value = state.unit;
      if (unitSelect.value !== state.unit) { state.unit = ""; unitSelect.value = ""; }
    }

    function visible(row) {
      if (state.query && row.name.toLowerCase().indexOf(state.query.toLowerCase()) < 0) return false;
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
      row.append(el("th", {scope: "col"}, t.team), el("th", {scope: "col"}, t.flags));  /* flags first: in view without scrolling */
      COLUMNS.forEach(function (key, i) {
        var th = el("th", {scope: "col", "data-key": key, "aria-sort": state.sort === key ? (state.desc ? "descending" : "ascending") : "none"});
        var button = el("button", {type: "button", "class": "tillit-sort", "data-key": key, title: t.cols[i]}, t.heads[i]);
        button.addEventListener("click", function () {
          state.desc = state.sort === key ? !state.desc : true;
          state.sort = key;
          render();
          holder.querySelector(".tillit-sort[data-key='" + key + "']").focus();
        });
        th.append(button);
        row.append(th);
      });
      var head = el("thead");
      head.append(row);
      table.append(head);
    }

    function teamCell(row) {
      var cell = el("th", {scope: "row", "class": "tillit-team-cell",
                           style: state.sort ? "" : "--tillit-depth:" + row.depth});
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
      var cell = el("td", {"class": "tillit-flags", "data-label": t.flags});
      if (row.suppressed) {
        cell.textContent = row.no_members ? t.empty : row.folded_into ? fill(t.folded, {unit: nameOf(row.folded_into)}) : t.hidden;
        if (row.unit_signals && !state.sort) cell.textContent += ". " + t.unit + ".";
        return cell;
      }
      if (!row.flags.length) { cell.textContent = t.none; return cell; }
      row.flags.forEach(function (f) {
        var details = el("details", {"class": "tillit-flag", "data-flag": f.flag});
        details.append(el("summary", {}, f.title), reasonOf(f), actionOf(f));
        /* on paper a flag is its words, opened or not: a printed <details> shows only its summary */
        var printed = el("div", {"class": "tillit-flag-printed", "data-flag": f.flag});
        printed.append(el("p", {"class": "tillit-flag-title"}, f.title), reasonOf(f), actionOf(f));
        cell.append(details, printed);
      });
      return cell;
    }

    function reasonOf(f) {
      var why = el("p", {"class": "tillit-reason"});
      why.append(el("strong", {}, t.reason + ": "), f.reason);
      return why;
    }

    function actionOf(f) {
      var what = el("p", {"class": "tillit-action"});
      what.append(el("strong", {}, t.action + ": "), f.action);
      return what;
    }

    function nameOf(id) {
      for (var i = 0; i < body.teams.length; i++) if (body.teams[i].id === id) return body.teams[i].name;
      return id;
    }

    function render() {
      toAddress(state);
      setSort();
      var table = el("table", {"class": "tillit-table"});
      header(table);
      var rows = el("tbody"), list = ordered();
      list.forEach(function (row) {
        var tr = el("tr", {"data-team": row.id, "class": row.suppressed ? "tillit-suppressed" : (row.flags.length ? "tillit-flagged" : "")});
        tr.append(teamCell(row), flagCell(row));
        var numbers = row.signals || (!state.sort && row.unit_signals), unitOnly = !row.signals && numbers;
        COLUMNS.forEach(function (key, i) {
          var attrs = {"data-key": key, "data-label": t.cols[i]};
          if (unitOnly) attrs["class"] = "tillit-unit";
          if (!numbers) attrs["class"] = "tillit-blank";
          tr.append(el("td", attrs, numbers ? shown(key, numbers[key], lang) : ""));
        });
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
        var heading = el("h3", {tabindex: "-1"}, fill(t.trend, {team: row.name}));
        trendBox.append(heading, charts(trend.series, t, lang));
        heading.focus();
      }, failed);
    }

    function load() {
      toAddress(state);
      var unit = state.unit ? "&unit=" + encodeURIComponent(state.unit) : "";
      get("/v1/trust/report?lang=" + lang + "&period=" + encodeURIComponent(state.period) + unit).then(function (b) {
        body = b;
        build();
        note.textContent = t.privacy(b.min_group_size);
        unitOptions();
        flagOptions();
        describe(b);
        render();
        holder.dataset.state = "ready";
      }, function (failure) {
        if (built) tableBox.textContent = core.problem(holder, failure, {403: t.denied});
        else refuse(failure);
        holder.dataset.state = "offline";
      });
    }
    load();
  }

  var STYLE = [
    ":where(.tillit-trust){display:block;container-type:inline-size;color:var(--tillit-text);",
    "--tillit-series-0:var(--tillit-accent);--tillit-series-1:#a34700}",
    "@media (prefers-color-scheme: dark){:where(.tillit-trust){--tillit-series-1:#ffb65c}}",
    ":where(.tillit-trust h2){font-size:var(--tillit-size-xl);margin:0 0 var(--tillit-space)}",
    ":where(.tillit-trust h3){font-size:var(--tillit-size-l)}",
    /* each control as wide as its longest choice (a unit's name is never cut), side by side and
       filling the line; one under another on a phone */
    ":where(.tillit-controls){display:flex;flex-wrap:wrap;gap:var(--tillit-space) calc(var(--tillit-space) * 2);",
    "align-items:flex-end;margin:var(--tillit-space) 0}",
    ":where(.tillit-trust-field){flex:1 1 auto;max-width:100%;min-width:min(10.5rem,100%);display:flex;",
    "flex-direction:column;gap:calc(var(--tillit-space) * .25)}",
    ":where(.tillit-trust-field label){font-weight:600;font-size:var(--tillit-size-s)}",
    ":where(.tillit-trust-field .tillit-input){width:100%}",
    ":where(.tillit-trust-actions){flex:1 1 100%}",
    ":where(.tillit-trust-meta,.tillit-flag-printed){display:none}",
    ":where(.tillit-trust-refused){max-width:40rem}",
    ":where(.tillit-privacy,.tillit-count){font-size:var(--tillit-size-s);margin:calc(var(--tillit-space) * .5) 0}",
    /* the table: short headers on at most two lines, a header that stays while the rows scroll,
       the team column that stays while the signals scroll sideways */
    ":where(.tillit-trust-table){max-height:75vh;overflow:auto;border:1px solid var(--tillit-border);",
    "border-radius:var(--tillit-radius)}",
    ":where(.tillit-trust-table .tillit-table){font-size:var(--tillit-size-s)}",
    ":where(.tillit-trust-table thead th){position:sticky;top:0;z-index:2;vertical-align:bottom;",
    "border-bottom:2px solid var(--tillit-border)}",
    ":where(.tillit-trust-table thead th[data-key]){min-width:5.5em;max-width:8em}",
    ":where(.tillit-trust-table thead th[data-key=trend]){min-width:8em;max-width:10em}",  /* says from when: a longer header */
    ":where(.tillit-trust-table td[data-key]){text-align:end;white-space:nowrap}",
    ":where(.tillit-trust-table thead th[data-key]){text-align:end}",
    ":where(.tillit-trust-table .tillit-team-cell){position:sticky;left:0;z-index:1;background:var(--tillit-bg);",
    "padding-inline-start:calc(var(--tillit-space) * (1 + 2 * var(--tillit-depth, 0)));min-width:8em}",
    ":where(.tillit-trust-table thead th:first-child){left:0;z-index:3}",
    ":where(.tillit-trust-table td.tillit-flags){min-width:10em;max-width:22em}",
    ":where(.tillit-sort,.tillit-team){font:inherit;font-weight:600;background:none;border:none;color:inherit;",
    "cursor:pointer;text-align:inherit;padding:0;line-height:1.3}",
    ":where(.tillit-sort){color:var(--tillit-text)}",
    ":where(th[aria-sort=descending] .tillit-sort)::after{content:' \\2193'}",
    ":where(th[aria-sort=ascending] .tillit-sort)::after{content:' \\2191'}",
    ":where(.tillit-team){color:var(--tillit-accent);text-decoration:underline}",
    ":where(.tillit-suppressed){color:var(--tillit-muted);font-style:italic}",
    ":where(.tillit-flagged .tillit-team-cell){box-shadow:inset 4px 0 var(--tillit-warn)}",
    ":where(.tillit-flag){margin-bottom:calc(var(--tillit-space) * .5)}",
    ":where(.tillit-flag summary){cursor:pointer;font-weight:600;color:var(--tillit-warn)}",
    ":where(.tillit-flag p){margin:.25em 0 .5em;max-width:32em}",
    ":where(.tillit-unit){font-style:italic;color:var(--tillit-muted)}",
    ":where(.tillit-includes){font-weight:normal;color:var(--tillit-muted);font-size:var(--tillit-size-s)}",
    /* a card per team where the holder is narrow: the same cells, each with its name */
    "@container (max-width: 40rem){",
    ":where(.tillit-trust-table){max-height:none;overflow:visible;border:none}",
    ":where(.tillit-trust-table .tillit-table, .tillit-trust-table tbody, .tillit-trust-table tr){display:block;width:100%;",
    "box-sizing:border-box}",
    ":where(.tillit-trust-table thead){position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}",
    ":where(.tillit-trust-table tbody tr){",
    "background:var(--tillit-surface);border:1px solid var(--tillit-border);border-radius:var(--tillit-radius);",
    "padding:var(--tillit-space);margin-bottom:var(--tillit-space)}",
    ":where(.tillit-trust-table tbody tr > *){display:block;border:none;padding:calc(var(--tillit-space) * .25) 0}",
    ":where(.tillit-trust-table .tillit-team-cell){position:static;background:none;padding-inline-start:0;",
    "font-size:var(--tillit-size-m)}",
    ":where(.tillit-trust-table tbody td[data-key]){display:flex;justify-content:space-between;gap:var(--tillit-space);",
    "border-top:1px solid var(--tillit-border)}",
    ":where(.tillit-trust-table td[data-key])::before{content:attr(data-label);color:var(--tillit-muted);",
    "white-space:normal;text-align:start}",
    ":where(.tillit-trust-table td.tillit-blank){display:none}",
    ":where(.tillit-trust-table td.tillit-flags){max-width:none;min-width:0}",
    ":where(.tillit-flagged .tillit-team-cell){box-shadow:none}",
    ":where(.tillit-trust-table tr.tillit-flagged){border-inline-start:4px solid var(--tillit-warn)}",
    "}",
    /* the trend: two charts side by side where there is room, each with one unit */
    ":where(.tillit-charts){display:grid;grid-template-columns:repeat(auto-fit,minmax(18rem,34rem));gap:calc(var(--tillit-space) * 2)}",
    ":where(.tillit-chart){margin:0;padding:var(--tillit-space);border:1px solid var(--tillit-border);",
    "border-radius:var(--tillit-radius);background:var(--tillit-bg)}",
    ":where(.tillit-chart figcaption){font-size:var(--tillit-size-s);margin-bottom:calc(var(--tillit-space) * .5)}",
    ":where(.tillit-chart-svg){display:block;width:100%;height:auto;overflow:visible}",
    ":where(.tillit-tick){font-size:14px;fill:var(--tillit-muted)}",
    ":where(.tillit-grid){stroke:var(--tillit-border);stroke-width:1}",
    ":where(.tillit-axis){stroke:var(--tillit-muted);stroke-width:1}",
    ":where(.tillit-line){fill:none;stroke-width:2.5}",
    ":where(polyline.tillit-line-0){stroke:var(--tillit-series-0)}",
    ":where(polyline.tillit-line-1){stroke:var(--tillit-series-1);stroke-dasharray:7 4}",
    ":where(circle.tillit-line-0){fill:var(--tillit-series-0)}:where(circle.tillit-line-1){fill:var(--tillit-series-1)}",
    ":where(.tillit-legend){list-style:none;margin:calc(var(--tillit-space) * .5) 0 0;padding:0;display:flex;",
    "flex-wrap:wrap;gap:calc(var(--tillit-space) * .5) calc(var(--tillit-space) * 2);font-size:var(--tillit-size-s)}",
    ":where(.tillit-key)::before{content:'';display:inline-block;width:1.6em;height:0;vertical-align:middle;",
    "margin-inline-end:.4em;border-top:3px solid var(--tillit-series-0)}",
    ":where(.tillit-key.tillit-line-1)::before{border-top:3px dashed var(--tillit-series-1)}",
    ":where(.tillit-trend-table summary){cursor:pointer;color:var(--tillit-accent);margin-top:var(--tillit-space)}",
    /* printed: the whole table on paper, no controls */
    "@media print{",
    ":where(.tillit-controls,.tillit-trend-table summary,.tillit-trust button.tillit-button,.tillit-flag){display:none}",
    ":where(.tillit-trust-meta){display:block;margin:0 0 var(--tillit-space)}",
    ":where(.tillit-trust-meta p){margin:0}",
    ":where(.tillit-flag-printed){display:block;margin-bottom:calc(var(--tillit-space) * .5)}",
    ":where(.tillit-flag-printed p){margin:0 0 .25em}",
    ":where(.tillit-flag-title){font-weight:600}",
    ":where(.tillit-trust-table){max-height:none;overflow:visible;border:none}",
    ":where(.tillit-trust-table thead th,.tillit-trust-table .tillit-team-cell){position:static}",
    ":where(.tillit-trust-table .tillit-table){font-size:8pt;width:100%}",
    ":where(.tillit-trust-table thead th[data-key],.tillit-trust-table .tillit-team-cell,.tillit-trust-table td.tillit-flags)",
    "{min-width:0;max-width:none}",
    ":where(.tillit-trust-table tr){break-inside:avoid}",
    ":where(.tillit-team){color:inherit;text-decoration:none}",
    ":where(.tillit-includes){font-size:inherit}",
    "}"
  ].join("");

  function start() {
    /* right after the base it refines (same zero specificity, so order decides), still in front of the host's styles */
    var own = window.TillitCore.style("trust", STYLE), base = document.head.querySelector('style[data-tillit-style="base"]');
    if (base && base.nextElementSibling !== own) base.after(own);
    Array.prototype.forEach.call(document.querySelectorAll("[data-tillit-trust]"), trustDashboard);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
