/* Tillit pulse results: the leader's report and, for communications staff, the heat map with trends.
 * No framework, no build step.
 *
 *   <script src="https://tillit.example/v1/pulse-reports.js" data-token="USER TOKEN" defer></script>
 *   <section data-tillit-pulse-report></section>     the leader's report (?pulse=&team= in the address,
 *                                                    or the latest the reader may read)
 *   <section data-tillit-pulse-heatmap data-tillit-report-url="/leaders/pulse"></section>
 *                                                    statements by unit, trends and CSV; each shown
 *                                                    team links to its leader's report on that page
 *
 * The leader's report is for the team's leaders, their managers and communications staff; the
 * heat map for communications staff (the "communications" role). Per statement the team's answers
 * (a bar of 1-5 and don't know, the mean and the share agreeing) beside the leader's own answer and
 * their manager's; weak statements open to reflection questions and suggested actions; the team's
 * behaviour signals over the pulse's days below. Nothing of a team with fewer answers than the
 * minimum group size is shown, exactly as the server folds it. Texts: nb, nn, da or en.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var core = window.TillitCore(script), language = core.language, el = core.el;
  var SCALE = ["1", "2", "3", "4", "5", "dont_know"];
  var SIGNALS = ["shared_share", "contributions_per_member", "likes_per_member", "cross_team_share", "leader_participation"];

  function texts(_, ngettext) {
    return {report: _("Pulse results for your team"), heatmap: _("Pulse results by unit"),
            staffReport: _("Pulse results for a team"), heatTable: _("Statements by unit"),
            tooFew: _("Too few opinions"),
            pulse: _("Pulse"), team: _("Team"), loading: _("Loading…"), none: _("No closed pulse has results for you yet."),
            theTeam: _("The team"), leaderSelf: _("The leader's own answer"), manager: _("The leader's manager's answer"),
            mean: _("Mean (1–5)"), agreeing: _("Agreeing (4–5)"), answersHead: _("Answers"),
            scale: [_("Strongly disagree"), _("Disagree"), _("Neither"), _("Agree"), _("Strongly agree"), _("Don't know")],
            distribution: _("How the team answered"),
            weak: _("Worth a conversation"),
            questions: _("Questions to reflect on"), actions: _("What you can do"),
            notShown: _("Too few in the team answered for the answers to be shown without anyone being recognised."),
            countedIn: _("The team's answers are counted together with {unit}, as too few answered in the team alone."),
            behaviour: _("What the team does: trust signals in the pulse's days"),
            behaviourFolded: _("In the trust report the team is counted in {unit}: these are that unit's signals."),
            behaviourNone: _("The trust report shows no signals for the team in these days."),
            noFlags: _("No flags in these days."),
            signals: [_("Share who shared"), _("Contributions per member"), _("Likes per member"),
                      _("Interaction with other teams"), _("Leaders taking part")],
            denied: _("You do not have access to this report."),
            deniedWhy: _("The leader's report is for the team's leaders, their managers and communications staff."),
            heatDenied: _("The heat map is for communications staff."),
            closed: _("Results are shown when the pulse closes."),
            show: _("Show"), showMean: _("Mean (1–5)"), showAgreeing: _("Share agreeing"),
            csv: _("Download CSV"), statements: _("Statements"),
            folded: _("Counted in {unit}"), hidden: _("Too few answers to show"),
            unit: _("The whole unit together"),
            trends: _("Trends over pulses"), trendUnit: _("Unit"), trendStatement: _("Statement"),
            wholeOrg: _("The whole organisation"),
            notSame: _("not the same group"),
            trendNote: _("A group is compared only in the pulses where it was made of the same teams; elsewhere its cell is empty."),
            heatLegend: _("Colours go from low (red) to high (blue); the number is always written in the cell."),
            privacy: function (n) {
              return ngettext("Numbers are shown only from {n} answer; smaller teams count in the unit above. No person is shown.",
                              "Numbers are shown only from {n} answers; smaller teams count in the unit above. No person is shown.", n);
            },
            /* TRANSLATORS: the heading over the comments people wrote beside their answers. */
            comments: _("Comments, as written"),
            commentsNote: _("As the team wrote them, in a random order, without names. Only the comments of a group whose numbers are shown are shown."),
            /* TRANSLATORS: {unit} is the group the team's answers are counted in. */
            commentsFrom: _("From {unit}, where the team's answers are counted."),
            selfComments: _("The leader's own comment (not anonymous)"),
            managerComments: _("The leader's manager's comment (not anonymous)"),
            answers: function (n) { return ngettext("{n} answer", "{n} answers", n); }};
  }

  /* A comment as written: its own words as text, never as markup. */
  function quoted(text) {
    var item = el("li");
    item.append(el("blockquote", {}, text));
    return item;
  }

  /* The comments of a pulse with free text, as written: the shown group's (the server shuffles
     them and sends none for a team that is not shown), then the leader's own and their manager's,
     which carry their names by design. Nothing when there is none. */
  function comments(r, t) {
    var team = r.comments || [], own = r.self_comments || [], manager = r.manager_comments || [];
    if (!team.length && !own.length && !manager.length) return null;
    var box = el("section", {"class": "tillit-card tillit-stack tillit-pulse-comments", "aria-labelledby": "tillit-pulse-comments-title"});
    box.append(el("h3", {id: "tillit-pulse-comments-title"}, t.comments));
    if (team.length) {
      box.append(el("p", {"class": "tillit-muted"}, t.commentsNote));
      if (r.counted_in) box.append(el("p", {"class": "tillit-muted"}, fill(t.commentsFrom, {unit: r.counted_in.name})));
      var list = el("ul", {"class": "tillit-pulse-comment-list"});
      team.forEach(function (c) { list.append(quoted(c)); });
      box.append(list);
    }
    [[t.selfComments, own], [t.managerComments, manager]].forEach(function (part) {
      if (!part[1].length) return;
      var named = el("ul", {"class": "tillit-pulse-comment-list tillit-pulse-comment-named"});
      part[1].forEach(function (c) { named.append(quoted(c)); });
      box.append(el("h4", {}, part[0]), named);
    });
    return box;
  }

  function fill(template, values) { return template.replace(/\{(\w+)\}/g, function (_, k) { return values[k]; }); }
  function number(value, lang, digits) {
    return value === null || value === undefined ? "–" : Number(value).toLocaleString(lang, {maximumFractionDigits: digits || 1});
  }
  function percent(value) { return value === null || value === undefined ? "–" : Math.round(value * 100) + " %"; }
  function query(name) { return new URLSearchParams(window.location.search).get(name) || ""; }
  function toAddress(values) {
    var url = new URL(window.location.href);
    Object.keys(values).forEach(function (k) { if (values[k]) url.searchParams.set(k, values[k]); else url.searchParams.delete(k); });
    window.history.replaceState(window.history.state, "", url.pathname + "?" + url.searchParams.toString() + url.hash);
  }
  function refusal(holder, failure, own, why) {
    holder.textContent = "";
    var box = el("div", {"class": "tillit-card tillit-stack", role: "alert"});
    box.append(el("p", {"class": "tillit-error"}, core.problem(holder, failure, own)));
    if (why && failure && failure.status === 403) box.append(el("p", {}, why));
    holder.append(box);
  }
  function field(id, label, control) {
    var box = el("div", {"class": "tillit-pulse-field"});
    box.append(el("label", {"for": id}, label), control);
    return box;
  }
  function select(id, options, value) {
    var s = el("select", {id: id, "class": "tillit-input"});
    options.forEach(function (o) { s.append(el("option", {value: o[0]}, o[1])); });
    s.value = value;
    return s;
  }

  /* The team's answers as one bar of six parts, each part's count in words for screen readers. */
  function bar(result, t) {
    var figure = el("div", {"class": "tillit-pulse-bar-box"});
    var parts = el("div", {"class": "tillit-pulse-bar", role: "img"});
    var words = [];
    SCALE.forEach(function (key, i) {
      var n = result.distribution[key] || 0;
      words.push(t.scale[i] + ": " + n);
      if (!n) return;
      var part = el("span", {"class": "tillit-pulse-part tillit-pulse-v" + key}, String(n));
      part.style.flexGrow = String(n);
      parts.append(part);
    });
    parts.setAttribute("aria-label", t.distribution + ". " + words.join(", "));
    var legend = el("ul", {"class": "tillit-pulse-legend", "aria-hidden": "true"});
    SCALE.forEach(function (key, i) { legend.append(el("li", {"class": "tillit-pulse-key tillit-pulse-v" + key}, t.scale[i])); });
    figure.append(parts, legend);
    return figure;
  }

  /* Team, leader and manager side by side: mean, share agreeing and answers. */
  function sideBySide(s, t, lang) {
    var table = el("table", {"class": "tillit-table tillit-pulse-compare"});
    var head = el("tr");
    head.append(el("td"));
    [t.theTeam, t.leaderSelf, t.manager].forEach(function (label) { head.append(el("th", {scope: "col"}, label)); });
    var thead = el("thead"), tbody = el("tbody");
    thead.append(head);
    /* no mean from answers that were all "don't know", nor (for the team) from fewer opinions than
       the minimum group size: say which in words rather than leave a dash */
    function missing(r) { return r.opinions ? t.tooFew : t.scale[5]; }
    function mean(r) { return r.mean === null && r.answers ? missing(r) : number(r.mean, lang, 2); }
    /* one person's own answer (the leader's, their manager's) is that answer, not a share */
    function agreeing(r, own) {
      if (own && r.answers === 1) return r.opinions ? t.scale[Number(SCALE.filter(function (k) { return r.distribution[k]; })[0]) - 1] : t.scale[5];
      return r.agreeing === null && r.answers ? missing(r) : percent(r.agreeing);
    }
    [[t.mean, mean], [t.agreeing, agreeing],
     [t.answersHead, function (r) { return String(r.answers); }]].forEach(function (line) {
      var tr = el("tr");
      tr.append(el("th", {scope: "row"}, line[0]));
      [s.team, s.self, s.manager].forEach(function (r, i) { tr.append(el("td", {}, r ? line[1](r, i > 0) : "–")); });
      tbody.append(tr);
    });
    table.append(thead, tbody);
    /* a box of its own that scrolls sideways where even the narrow layout does not fit: reachable by keyboard */
    var wrap = el("div", {"class": "tillit-table-wrap", tabindex: "0", role: "region", "aria-label": s.text});
    wrap.append(table);
    return wrap;
  }

  function guidance(g, t) {
    var box = el("details", {"class": "tillit-pulse-guidance"});
    box.append(el("summary", {}, t.questions + " · " + t.actions));
    [[t.questions, g.questions], [t.actions, g.actions]].forEach(function (part) {
      box.append(el("h4", {}, part[0]));
      var list = el("ul");
      part[1].forEach(function (line) { list.append(el("li", {}, line)); });
      box.append(list);
    });
    return box;
  }

  function statementCard(s, t, lang) {
    var card = el("article", {"class": "tillit-card tillit-stack tillit-pulse-statement" + (s.weak ? " tillit-pulse-weak" : "")});
    var title = el("div", {"class": "tillit-row tillit-pulse-title"});
    title.append(el("h3", {}, s.text));
    if (s.weak) title.append(el("span", {"class": "tillit-badge tillit-badge--warn"}, t.weak));
    card.append(title);
    if (s.team) card.append(bar(s.team, t));
    card.append(sideBySide(s, t, lang));
    if (s.guidance) card.append(guidance(s.guidance, t));
    return card;
  }

  function behaviour(b, t, lang) {
    var box = el("section", {"class": "tillit-stack tillit-pulse-behaviour"});
    box.append(el("h3", {}, t.behaviour));
    if (b.folded_into && b.signals) box.append(el("p", {"class": "tillit-muted"}, fill(t.behaviourFolded, {unit: b.folded_into.name})));
    if (!b.signals) { box.append(el("p", {"class": "tillit-muted"}, t.behaviourNone)); return box; }
    var list = el("dl", {"class": "tillit-pulse-signals"});
    SIGNALS.forEach(function (key, i) {
      var value = b.signals[key], item = el("div");
      item.append(el("dt", {}, t.signals[i]),
                  el("dd", {}, /share|participation/.test(key) ? percent(value) : number(value, lang)));
      list.append(item);
    });
    box.append(list);
    if (!b.flags.length) box.append(el("p", {"class": "tillit-muted"}, t.noFlags));
    b.flags.forEach(function (f) {
      var flag = el("div", {"class": "tillit-card tillit-pulse-flag"});
      flag.append(el("p", {"class": "tillit-pulse-flag-title"}, f.title), el("p", {}, f.reason), el("p", {}, f.action));
      box.append(flag);
    });
    return box;
  }

  function leaderReport(holder) {
    var lang = language(holder), t = core.texts(holder, texts);
    holder.classList.add("tillit-pulse-report", "tillit");
    holder.textContent = "";
    holder.append(el("p", {"class": "tillit-muted"}, t.loading));
    var choices = [], controls = el("form", {"class": "tillit-pulse-controls"}), body = el("div", {"class": "tillit-stack", "aria-live": "polite"});
    controls.addEventListener("submit", function (e) { e.preventDefault(); });

    var asked = 0;  /* the latest report asked for: an earlier one that answers late is dropped */
    function show(pulse, team) {
      var mine = ++asked;
      toAddress({pulse: pulse, team: team});
      body.textContent = "";
      body.append(el("p", {"class": "tillit-muted"}, t.loading));
      core.json("GET", "/v1/pulses/" + encodeURIComponent(pulse) + "/teams/" + encodeURIComponent(team) + "/report?lang=" + lang)
        .then(function (r) {
          if (mine !== asked) return;
          body.textContent = "";
          var option = holder.querySelector("#tillit-pulse-choice option[value='" + CSS.escape(pulse + "|" + team) + "']");
          if (option) option.textContent = r.pulse.title + " · " + r.team.name;
          var head = el("div", {"class": "tillit-stack"});
          head.append(el("p", {"class": "tillit-pulse-team"}, r.pulse.title + " · " + r.team.name +
                                (r.answers ? " · " + t.answers(r.answers) : "")));
          head.append(el("p", {"class": "tillit-muted tillit-pulse-privacy"}, t.privacy(r.min_group_size)));
          body.append(head);
          if (!r.shown) body.append(el("p", {"class": "tillit-card"}, t.notShown));
          else if (r.counted_in) body.append(el("p", {"class": "tillit-card"}, fill(t.countedIn, {unit: r.counted_in.name})));
          var list = el("div", {"class": "tillit-stack"});
          r.statements.forEach(function (s) { list.append(statementCard(s, t, lang)); });
          body.append(list);
          var written = comments(r, t);
          if (written) body.append(written);
          body.append(behaviour(r.behaviour, t, lang));
        }, function (failure) {
          if (mine !== asked) return;
          body.textContent = "";
          body.append(el("p", {"class": "tillit-error", role: "alert"},
                         core.problem(holder, failure, {403: t.denied, 409: t.closed})));
        });
    }

    /* communications staff: any closed pulse, and any team of its heat map */
    function staffPicker(pulses) {
      holder.textContent = "";
      holder.append(el("h2", {}, t.staffReport));
      if (!pulses.length) { holder.append(el("p", {"class": "tillit-card"}, t.none)); return; }
      var options = pulses.map(function (p) { return [p.id, p.title]; }), wanted = query("pulse") || options[0][0];
      if (!options.some(function (o) { return o[0] === wanted; })) options.unshift([wanted, wanted]);
      var pulsePick = select("tillit-pulse-choice", options, wanted), teamPick = select("tillit-pulse-team-choice", [], "");
      function teams() {
        core.json("GET", "/v1/pulses/" + encodeURIComponent(pulsePick.value) + "/heatmap?lang=" + lang).then(function (h) {
          teamPick.textContent = "";
          h.teams.forEach(function (r) { teamPick.append(el("option", {value: r.id}, "\u00a0\u00a0".repeat(r.depth) + r.name)); });
          var team = query("team");
          teamPick.value = h.teams.some(function (r) { return r.id === team; }) ? team : (h.teams[0] || {id: ""}).id;
          if (teamPick.value) show(pulsePick.value, teamPick.value);
        }, function (failure) {
          body.textContent = "";
          body.append(el("p", {"class": "tillit-error", role: "alert"}, core.problem(holder, failure, {409: t.closed})));
        });
      }
      pulsePick.addEventListener("change", function () { toAddress({pulse: pulsePick.value, team: ""}); teams(); });
      teamPick.addEventListener("change", function () { show(pulsePick.value, teamPick.value); });
      controls.append(field("tillit-pulse-choice", t.pulse, pulsePick), field("tillit-pulse-team-choice", t.team, teamPick));
      holder.append(controls, body);
      teams();
    }

    core.json("GET", "/v1/me/pulse-reports").then(function (answer) {
      if (answer.staff) { staffPicker(answer.pulses); return; }
      answer.pulses.forEach(function (p) { p.teams.forEach(function (team) { choices.push([p.id + "|" + team.id, p.title + " · " + team.name]); }); });
      var wanted = query("pulse") && query("team") ? query("pulse") + "|" + query("team") : (choices[0] || [""])[0];
      holder.textContent = "";
      holder.append(el("h2", {}, t.report));
      if (!wanted) { holder.append(el("p", {"class": "tillit-card"}, t.none)); return; }
      if (!choices.some(function (c) { return c[0] === wanted; })) choices.unshift([wanted, wanted.replace("|", " · ")]);
      var picker = select("tillit-pulse-choice", choices, wanted);
      picker.addEventListener("change", function () { var v = picker.value.split("|"); show(v[0], v[1]); });
      controls.append(field("tillit-pulse-choice", t.pulse + " · " + t.team, picker));
      holder.append(controls, body);
      show(wanted.split("|")[0], wanted.split("|")[1]);
    }, function (failure) { refusal(holder, failure, {403: t.denied}, t.deniedWhy); });
  }

  /* A mean's or share's colour class: five steps from low to high (the number is always written too). */
  function heat(value, mode) {
    if (value === null || value === undefined) return "";
    var step = mode === "agreeing" ? Math.min(5, 1 + Math.floor(value * 5)) : Math.max(1, Math.min(5, Math.round(value)));
    return " tillit-heat-" + step;
  }

  function heatmap(holder) {
    var lang = language(holder), t = core.texts(holder, texts);
    holder.classList.add("tillit-pulse-heatmap", "tillit");
    holder.textContent = "";
    holder.append(el("p", {"class": "tillit-muted"}, t.loading));
    var state = {pulse: query("pulse"), mode: query("show") === "agreeing" ? "agreeing" : "mean", unit: query("unit"), statement: ""};
    var body = null, table = el("div", {"class": "tillit-table-wrap tillit-heat-table", tabindex: "0", role: "region", "aria-label": t.heatTable});
    var legend = el("ol", {"class": "tillit-pulse-statements"}), note = el("p", {"class": "tillit-muted tillit-pulse-privacy"});
    var trendBox = el("section", {"class": "tillit-stack tillit-pulse-trends", "aria-live": "polite"});

    function render() {
      toAddress({pulse: state.pulse, show: state.mode === "agreeing" ? "agreeing" : "", unit: state.unit});
      legend.textContent = "";
      body.statements.forEach(function (s) { legend.append(el("li", {}, s.text)); });
      note.textContent = t.privacy(body.min_group_size) + " " + t.heatLegend;
      var tbl = el("table", {"class": "tillit-table"}), head = el("tr");
      head.append(el("th", {scope: "col"}, t.team));
      body.statements.forEach(function (s, i) {
        var th = el("th", {scope: "col", title: s.text});
        th.append(el("span", {"aria-hidden": "true"}, String(i + 1)), el("span", {"class": "tillit-visually-hidden"}, s.text));
        head.append(th);
      });
      var thead = el("thead"), tbody = el("tbody");
      thead.append(head);
      var names = {};
      body.teams.forEach(function (row) { names[row.id] = row.name; });
      function cells(tr, results) {
        body.statements.forEach(function (s) {
          var r = results && results[s.key], value = r ? r[state.mode] : null;
          if (r && r.answers && value === null) { tr.append(el("td", {"class": "tillit-too-few"}, r.opinions ? t.tooFew : t.scale[5])); return; }
          tr.append(el("td", {"class": "tillit-heat" + heat(value, state.mode)},
                       state.mode === "agreeing" ? percent(value) : number(value, lang)));
        });
      }
      body.teams.forEach(function (row) {
        var tr = el("tr"), name = el("th", {scope: "row", "class": "tillit-team-cell"});
        name.style.setProperty("--tillit-depth", row.depth);
        var reportUrl = holder.getAttribute("data-tillit-report-url");
        if (reportUrl && !row.suppressed) {
          name.append(el("a", {href: reportUrl + (reportUrl.indexOf("?") >= 0 ? "&" : "?") + "pulse=" +
                                 encodeURIComponent(state.pulse) + "&team=" + encodeURIComponent(row.id)}, row.name));
        } else name.append(el("span", {}, row.name));
        if (row.suppressed) {
          name.append(el("br"), el("span", {"class": "tillit-suppressed"},
                                    row.folded_into ? fill(t.folded, {unit: names[row.folded_into] || row.folded_into}) : t.hidden));
        } else if (row.includes && row.includes.length) {
          name.append(el("br"), el("span", {"class": "tillit-includes"}, "+ " + row.includes.map(function (i) { return i.name; }).join(", ")));
        }
        tr.append(name);
        if (row.suppressed) {
          var blank = el("td", {colspan: String(body.statements.length), "class": "tillit-suppressed"}, "–");
          tr.append(blank);
        } else cells(tr, row.statements);
        tbody.append(tr);
        if (row.unit_statements) {
          var unit = el("tr", {"class": "tillit-unit-row"}), label = el("th", {scope: "row", "class": "tillit-team-cell tillit-unit"});
          label.style.setProperty("--tillit-depth", row.depth);
          label.textContent = row.name + ": " + t.unit;
          unit.append(label);
          cells(unit, row.unit_statements);
          tbody.append(unit);
        }
      });
      tbl.append(thead, tbody);
      table.textContent = "";
      table.append(tbl);
    }

    function trends() {
      core.json("GET", "/v1/pulses/trends?lang=" + lang + (state.unit ? "&unit=" + encodeURIComponent(state.unit) : ""))
        .then(function (tr) {
          trendBox.textContent = "";
          trendBox.append(el("h3", {}, t.trends));
          var units = [["", t.wholeOrg]].concat(body.teams.filter(function (r) { return r.unit_statements; })
            .map(function (r) { return [r.id, "\u00a0\u00a0".repeat(r.depth) + r.name]; }));
          var unitPick = select("tillit-pulse-trend-unit", units, state.unit);
          if (!state.statement || !tr.statements.some(function (s) { return s.key === state.statement; })) {
            state.statement = tr.statements.length ? tr.statements[0].key : "";
          }
          var statementPick = select("tillit-pulse-trend-statement", tr.statements.map(function (s) { return [s.key, s.text]; }), state.statement);
          unitPick.addEventListener("change", function () { state.unit = unitPick.value; trends(); });
          statementPick.addEventListener("change", function () { state.statement = statementPick.value; trends(); });
          var form = el("form", {"class": "tillit-pulse-controls"});
          form.addEventListener("submit", function (e) { e.preventDefault(); });
          form.append(field("tillit-pulse-trend-unit", t.trendUnit, unitPick), field("tillit-pulse-trend-statement", t.trendStatement, statementPick));
          var tbl = el("table", {"class": "tillit-table"}), head = el("tr");
          head.append(el("th", {scope: "col"}, t.team));
          tr.pulses.forEach(function (p) { head.append(el("th", {scope: "col"}, p.title)); });
          var thead = el("thead"), tbody = el("tbody");
          thead.append(head);
          tr.groups.forEach(function (g) {
            var row = el("tr"), name = el("th", {scope: "row"}, g.name);
            if (g.includes.length) name.append(el("br"), el("span", {"class": "tillit-includes"}, "+ " + g.includes.map(function (i) { return i.name; }).join(", ")));
            row.append(name);
            g.points.forEach(function (p) {
              var v = p.means ? p.means[state.statement] : null;
              var few = p.same_group && v === null;  /* asked, but too few opinions for a mean */
              row.append(el("td", {"class": few ? "tillit-too-few" : "tillit-heat" + heat(v, "mean")},
                            few ? t.tooFew : p.same_group ? number(v, lang) : (p.shown ? t.notSame : "–")));
            });
            tbody.append(row);
          });
          tbl.append(thead, tbody);
          var wrap = el("div", {"class": "tillit-table-wrap", tabindex: "0", role: "region", "aria-label": t.trends});
          wrap.append(tbl);
          trendBox.append(form, wrap, el("p", {"class": "tillit-muted"}, t.trendNote));
        }, function (failure) {
          trendBox.textContent = "";
          trendBox.append(el("p", {"class": "tillit-error", role: "alert"}, core.problem(holder, failure, {403: t.heatDenied})));
        });
    }

    function load() {
      core.json("GET", "/v1/pulses/" + encodeURIComponent(state.pulse) + "/heatmap?lang=" + lang).then(function (b) {
        body = b;
        render();
        trends();
      }, function (failure) {
        table.textContent = "";
        table.append(el("p", {"class": "tillit-error", role: "alert"}, core.problem(holder, failure, {403: t.heatDenied, 409: t.closed})));
      });
    }

    core.json("GET", "/v1/me/pulse-reports").then(function (answer) {
      if (!answer.staff) { refusal(holder, {status: 403}, {403: t.heatDenied}); return; }
      holder.textContent = "";
      holder.append(el("h2", {}, t.heatmap));
      if (!answer.pulses.length) { holder.append(el("p", {"class": "tillit-card"}, t.none)); return; }
      if (!state.pulse) state.pulse = answer.pulses[0].id;
      var pulses = answer.pulses.map(function (p) { return [p.id, p.title]; });
      if (!pulses.some(function (p) { return p[0] === state.pulse; })) pulses.unshift([state.pulse, state.pulse]);
      var pulsePick = select("tillit-pulse-heat-pulse", pulses, state.pulse);
      var modePick = select("tillit-pulse-heat-mode", [["mean", t.showMean], ["agreeing", t.showAgreeing]], state.mode);
      var csv = el("button", {type: "button", "class": "tillit-button"}, t.csv);
      pulsePick.addEventListener("change", function () { state.pulse = pulsePick.value; load(); });
      modePick.addEventListener("change", function () { state.mode = modePick.value; render(); });
      csv.addEventListener("click", function () {
        core.json("GET", "/v1/pulses/" + encodeURIComponent(state.pulse) + "/heatmap.csv?lang=" + lang).then(function (text) {
          var file = new Blob(["\ufeff" + text.replace(/^\ufeff/, "")], {type: "text/csv;charset=utf-8"});
          var link = el("a", {href: URL.createObjectURL(file), download: "tillit-pulse-" + state.pulse + ".csv"});
          document.body.append(link); link.click(); link.remove();
        });
      });
      var controls = el("form", {"class": "tillit-pulse-controls"});
      controls.addEventListener("submit", function (e) { e.preventDefault(); });
      var actions = el("div", {"class": "tillit-row"});
      actions.append(csv);
      controls.append(field("tillit-pulse-heat-pulse", t.pulse, pulsePick), field("tillit-pulse-heat-mode", t.show, modePick), actions);
      var statements = el("details", {"class": "tillit-pulse-statement-list", open: ""});
      statements.append(el("summary", {}, t.statements), legend);
      holder.append(controls, note, statements, table, trendBox);
      load();
    }, function (failure) { refusal(holder, failure, {403: t.heatDenied}); });
  }

  var STYLE = [
    ":where(.tillit-pulse-comment-list){list-style:none;margin:0;padding:0;display:flex;flex-direction:column;",
    "gap:var(--tillit-space)}",
    ":where(.tillit-pulse-comment-list blockquote){margin:0;padding-inline-start:var(--tillit-space);",
    "border-inline-start:4px solid var(--tillit-border);white-space:pre-line;overflow-wrap:anywhere}",
    ":where(.tillit-pulse-comment-named blockquote){border-inline-start-color:var(--tillit-warn)}",
    ":where(.tillit-pulse-comments h4){margin:var(--tillit-space) 0 0;font-size:var(--tillit-size-m, 1rem)}",
    ":where(.tillit-pulse-report,.tillit-pulse-heatmap){display:block;container-type:inline-size;color:var(--tillit-text);",
    "--tillit-p1:#f6c9c7;--tillit-p2:#f9dfc0;--tillit-p3:#e4e7eb;--tillit-p4:#c9e3f6;--tillit-p5:#9fcbee;--tillit-p0:#ffffff}",
    "@media (prefers-color-scheme: dark){:where(.tillit-pulse-report,.tillit-pulse-heatmap){",
    "--tillit-p1:#6b2523;--tillit-p2:#6a4516;--tillit-p3:#3a4049;--tillit-p4:#1f4a6b;--tillit-p5:#245f91;--tillit-p0:#15171b}}",
    ":where(.tillit-pulse-report h2,.tillit-pulse-heatmap h2){font-size:var(--tillit-size-xl);margin:0 0 var(--tillit-space)}",
    ":where(.tillit-pulse-report h3,.tillit-pulse-heatmap h3){font-size:var(--tillit-size-l);margin:0;overflow-wrap:anywhere}",
    ":where(.tillit-pulse-report,.tillit-pulse-heatmap) :where(li,p,dt,summary,label){overflow-wrap:anywhere}",
    ":where(.tillit-pulse-trends){margin-top:calc(var(--tillit-space) * 3)}",
    ":where(.tillit-pulse-report h4){font-size:var(--tillit-size-m);margin:var(--tillit-space) 0 0}",
    ":where(.tillit-pulse-controls){display:flex;flex-wrap:wrap;gap:var(--tillit-space) calc(var(--tillit-space) * 2);",
    "align-items:flex-end;margin:var(--tillit-space) 0}",
    ":where(.tillit-pulse-field){flex:1 1 14rem;max-width:100%;display:flex;flex-direction:column;gap:calc(var(--tillit-space) * .25)}",
    ":where(.tillit-pulse-field label){font-weight:600;font-size:var(--tillit-size-s)}",
    ":where(.tillit-pulse-field .tillit-input){width:100%}",
    ":where(.tillit-pulse-team){font-weight:600;margin:0}",
    ":where(.tillit-pulse-privacy){font-size:var(--tillit-size-s);margin:0}",
    ":where(.tillit-pulse-title){justify-content:space-between;align-items:flex-start}",
    ":where(.tillit-pulse-weak){border-inline-start:4px solid var(--tillit-warn)}",
    /* the distribution: one bar, parts in scale order, each labelled with its count */
    ":where(.tillit-pulse-bar){display:flex;min-height:2rem;border-radius:calc(var(--tillit-radius) * .5);overflow:hidden;",
    "border:1px solid var(--tillit-border)}",
    ":where(.tillit-pulse-part){flex:1 1 0;min-width:1.75rem;display:flex;align-items:center;justify-content:center;",
    "font-weight:600;font-size:var(--tillit-size-s);color:var(--tillit-text)}",
    ":where(.tillit-pulse-v1){background:var(--tillit-p1)}:where(.tillit-pulse-v2){background:var(--tillit-p2)}",
    ":where(.tillit-pulse-v3){background:var(--tillit-p3)}:where(.tillit-pulse-v4){background:var(--tillit-p4)}",
    ":where(.tillit-pulse-v5){background:var(--tillit-p5)}",
    ":where(.tillit-pulse-vdont_know){background:var(--tillit-p0);background-image:repeating-linear-gradient(45deg,",
    "transparent 0 4px,var(--tillit-border) 4px 5px)}",
    ":where(.tillit-pulse-legend){list-style:none;margin:calc(var(--tillit-space) * .5) 0 0;padding:0;display:flex;flex-wrap:wrap;",
    "gap:calc(var(--tillit-space) * .25) var(--tillit-space);font-size:var(--tillit-size-s);color:var(--tillit-muted)}",
    ":where(.tillit-pulse-key){background:none}",
    ":where(.tillit-pulse-key)::before{content:'';display:inline-block;width:.9em;height:.9em;margin-inline-end:.3em;",
    "vertical-align:-.1em;border:1px solid var(--tillit-border);background:inherit}",
    ":where(.tillit-pulse-key.tillit-pulse-v1)::before{background:var(--tillit-p1)}",
    ":where(.tillit-pulse-key.tillit-pulse-v2)::before{background:var(--tillit-p2)}",
    ":where(.tillit-pulse-key.tillit-pulse-v3)::before{background:var(--tillit-p3)}",
    ":where(.tillit-pulse-key.tillit-pulse-v4)::before{background:var(--tillit-p4)}",
    ":where(.tillit-pulse-key.tillit-pulse-v5)::before{background:var(--tillit-p5)}",
    ":where(.tillit-pulse-key.tillit-pulse-vdont_know)::before{background:var(--tillit-p0)}",
    ":where(.tillit-pulse-compare td){text-align:end;white-space:nowrap}",
    ":where(.tillit-pulse-compare thead th){text-align:end}",
    ":where(.tillit-pulse-guidance summary){cursor:pointer;font-weight:600;color:var(--tillit-accent)}",
    ":where(.tillit-pulse-guidance ul){margin:.25em 0;padding-inline-start:1.25em}",
    ":where(.tillit-pulse-signals){display:grid;grid-template-columns:repeat(auto-fill,minmax(11rem,1fr));gap:var(--tillit-space);margin:0}",
    ":where(.tillit-pulse-signals div){border:1px solid var(--tillit-border);border-radius:var(--tillit-radius);padding:var(--tillit-space)}",
    ":where(.tillit-pulse-signals dt){font-size:var(--tillit-size-s);color:var(--tillit-muted)}",
    ":where(.tillit-pulse-signals dd){margin:0;font-size:var(--tillit-size-l);font-weight:600}",
    ":where(.tillit-pulse-flag p){margin:0 0 .25em}",
    ":where(.tillit-pulse-flag-title){font-weight:600;color:var(--tillit-warn)}",
    /* the heat map: a tinted cell per statement, the number always written in it */
    /* positioned, so the statements' hidden names in its headers stay inside it and never widen the page */
    ":where(.tillit-heat-table){position:relative;border:1px solid var(--tillit-border);border-radius:var(--tillit-radius)}",
    ":where(.tillit-heat-table .tillit-table, .tillit-pulse-trends .tillit-table){font-size:var(--tillit-size-s)}",
    ":where(.tillit-heat-table td, .tillit-pulse-trends td){text-align:center;white-space:nowrap;min-width:3.5em}",
    ":where(.tillit-heat-table thead th){text-align:center}",
    ":where(.tillit-heat-table td.tillit-too-few, .tillit-pulse-trends td.tillit-too-few){white-space:normal;font-style:italic;color:var(--tillit-muted)}",
    ":where(.tillit-heat-table thead th:first-child){text-align:start}",
    ":where(.tillit-heat-1){background:var(--tillit-p1)}:where(.tillit-heat-2){background:var(--tillit-p2)}",
    ":where(.tillit-heat-3){background:var(--tillit-p3)}:where(.tillit-heat-4){background:var(--tillit-p4)}",
    ":where(.tillit-heat-5){background:var(--tillit-p5)}",
    ":where(.tillit-pulse-heatmap .tillit-team-cell){padding-inline-start:calc(var(--tillit-space) * (1 + 1.5 * var(--tillit-depth, 0)));",
    "min-width:10em;font-weight:600;position:sticky;left:0;z-index:1;background:var(--tillit-bg)}",
    "@container (max-width: 30rem){:where(.tillit-pulse-heatmap .tillit-team-cell){min-width:7em}}",
    ":where(.tillit-pulse-heatmap .tillit-suppressed){color:var(--tillit-muted);font-style:italic;font-weight:normal}",
    ":where(.tillit-pulse-heatmap .tillit-unit){font-style:italic;font-weight:normal;color:var(--tillit-muted)}",
    ":where(.tillit-pulse-heatmap .tillit-includes){font-weight:normal;color:var(--tillit-muted)}",
    ":where(.tillit-pulse-statements){margin:.25em 0;padding-inline-start:1.75em}",
    ":where(.tillit-pulse-statement-list summary){cursor:pointer;font-weight:600}",
    ":where(.tillit-pulse-statement-list){margin-bottom:var(--tillit-space)}",
    /* on a phone: the comparison in smaller type with tighter cells, so its four columns fit */
    "@container (max-width: 30rem){",
    ":where(.tillit-pulse-compare){font-size:var(--tillit-size-s)}",
    ":where(.tillit-pulse-compare th,.tillit-pulse-compare td){padding:calc(var(--tillit-space) * .5) calc(var(--tillit-space) * .4)}",
    ":where(.tillit-pulse-compare td){white-space:normal}",
    ":where(.tillit-pulse-statement){padding:var(--tillit-space)}",
    "}"
  ].join("");

  function start() {
    var own = window.TillitCore.style("pulse-report", STYLE), base = document.head.querySelector('style[data-tillit-style="base"]');
    if (base && base.nextElementSibling !== own) base.after(own);
    Array.prototype.forEach.call(document.querySelectorAll("[data-tillit-pulse-report]"), leaderReport);
    Array.prototype.forEach.call(document.querySelectorAll("[data-tillit-pulse-heatmap]"), heatmap);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
