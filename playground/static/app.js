// lbsim playground: the page's behaviour. Plain JavaScript, no libraries;
// it talks only to this server's /api (docs/playground.md).
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);

  const state = {
    scenarios: [], // bundled: {name, description, yaml}
    algorithms: [], // {name, summary}
    settings: null, // what /api/edit says of the YAML in the editor
    current: null, // the last run: {no, data, yaml, seeds}
    pinned: null, // the run pinned for comparison
    runs: 0,
    busy: false,
    lesson: null, // {lines, steps, shown}
  };

  // api calls path and returns its answer: parsed JSON or text. An answer
  // other than 2xx throws an Error with the status and the error body.
  async function api(method, path, body) {
    const init = { method };
    if (body !== undefined) {
      init.body = body;
      init.headers = { "Content-Type": "application/yaml" };
    }
    const res = await fetch(path, init);
    const type = res.headers.get("Content-Type") || "";
    const data = type.startsWith("application/json") ? await res.json() : await res.text();
    if (!res.ok) {
      const info = typeof data === "object" && data !== null ? data : { error: String(data) };
      const err = new Error(info.error || res.statusText);
      err.status = res.status;
      err.info = info;
      throw err;
    }
    return data;
  }

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") e.className = v;
      else e.setAttribute(k, v);
    }
    for (const c of children) {
      if (c === null || c === undefined) continue;
      e.append(typeof c === "string" ? document.createTextNode(c) : c);
    }
    return e;
  }

  function setStatus(text) {
    $("status").textContent = text;
  }

  // --- scenario picker and editor ---

  function bundled(name) {
    return state.scenarios.find((s) => s.name === name);
  }

  // fileName is the name messages give the editor's text, as the server
  // decides it: bundled:NAME for an unedited bundled scenario.
  function fileName() {
    const s = bundled($("pick").value);
    return s && s.yaml === $("yaml").value ? "bundled:" + s.name : "scenario.yaml";
  }

  function showFileName() {
    const s = bundled($("pick").value);
    const edited = s && s.yaml !== $("yaml").value;
    $("file-name").textContent = fileName();
    $("pick-about").textContent = s ? s.description + (edited ? " (edited)" : "") : "";
  }

  function pick(name) {
    const s = bundled(name);
    if (!s) return;
    $("pick").value = name;
    $("yaml").value = s.yaml;
    history.replaceState(null, "", "#" + name);
    clearError();
    showFileName();
    refreshSettings();
  }

  // --- errors ---

  function clearError() {
    $("error").hidden = true;
  }

  function showError(err) {
    $("error-text").textContent = err.message;
    const line = err.info && err.info.line;
    const text = line ? $("yaml").value.split("\n")[line - 1] : undefined;
    $("error-line").hidden = text === undefined;
    $("error-goto").hidden = !line;
    if (text !== undefined) $("error-line").textContent = `${line} | ${text}`;
    if (line) {
      $("error-goto").textContent = `Go to line ${line}`;
      $("error-goto").dataset.line = line;
    }
    $("error").hidden = false;
  }

  function gotoLine(n) {
    const ta = $("yaml");
    const lines = ta.value.split("\n");
    let start = 0;
    for (let i = 0; i < n - 1 && i < lines.length; i++) start += lines[i].length + 1;
    const end = start + (lines[n - 1] || "").length;
    ta.focus();
    ta.setSelectionRange(start, end);
    const lineHeight = parseFloat(getComputedStyle(ta).lineHeight) || 18;
    ta.scrollTop = Math.max(0, (n - 4) * lineHeight);
  }

  // --- quick controls ---

  async function refreshSettings() {
    try {
      const answer = await api("POST", "/api/edit", $("yaml").value);
      fillControls(answer.settings);
    } catch {
      state.settings = null; // a run shows what is wrong
    }
  }

  // roundTime writes a virtual time in seconds as a round duration.
  function roundTime(v) {
    return v >= 120 ? Math.round(v / 60) + "m" : Math.max(1, Math.round(v)) + "s";
  }

  function fillControls(s) {
    state.settings = s;
    const servers = $("q-servers");
    servers.value = s.groups === 1 ? s.servers : "";
    servers.disabled = s.groups !== 1;
    $("q-servers-note").textContent = s.groups === 1 ? "" : `This scenario has ${s.groups} server groups: change their counts in the YAML.`;
    const load = $("q-load");
    load.value = s.load > 0 ? s.load : "";
    load.disabled = !(s.load > 0);
    for (const box of $("q-algorithms").querySelectorAll("input")) box.checked = s.algorithms.includes(box.value);
    const server = $("q-server");
    server.replaceChildren(...s.server_names.map((n) => el("option", { value: n }, n)));
    if (s.server_names.length > 1) server.value = s.server_names[1];
    if (s.seconds > 0) {
      $("q-at").value = roundTime(s.seconds / 3);
      $("q-for").value = roundTime(s.seconds / 6);
    }
    $("q-fault").value = "";
    const alg = $("l-alg");
    if ($("l-kind").value === "trace" && s.algorithms.length && !s.algorithms.includes(alg.value)) alg.value = s.algorithms[0];
  }

  // edits returns the query for /api/edit: only the controls that differ
  // from the file, so that an edit changes no more than asked.
  function edits() {
    const q = new URLSearchParams();
    const s = state.settings;
    const servers = $("q-servers");
    if (!servers.disabled && servers.value !== "" && Number(servers.value) !== s.servers) q.set("servers", servers.value);
    const load = $("q-load");
    if (!load.disabled && load.value !== "" && Number(load.value) !== s.load) q.set("load", load.value);
    // The file's algorithms keep their order; those ticked are added.
    const ticked = [...$("q-algorithms").querySelectorAll("input:checked")].map((b) => b.value);
    const algs = s.algorithms.filter((a) => ticked.includes(a)).concat(ticked.filter((a) => !s.algorithms.includes(a)));
    if (algs.join(",") !== s.algorithms.join(",")) q.set("algorithms", algs.join(","));
    const fault = $("q-fault").value;
    if (fault) {
      q.set("fault", fault);
      if (fault !== "none") {
        q.set("server", $("q-server").value);
        q.set("at", $("q-at").value.trim());
        if ($("q-for").value.trim()) q.set("for", $("q-for").value.trim());
      }
    }
    return q;
  }

  async function apply() {
    clearError();
    if (!state.settings) {
      // The file did not load when the controls were last filled.
      try {
        fillControls((await api("POST", "/api/edit", $("yaml").value)).settings);
        setStatus("The controls now show what the file says; change them and apply.");
      } catch (err) {
        showError(err);
      }
      return false;
    }
    const q = edits();
    if ([...q.keys()].length === 0) {
      setStatus("Nothing to change: the controls show what the file says.");
      return true;
    }
    try {
      const answer = await api("POST", "/api/edit?" + q.toString(), $("yaml").value);
      $("yaml").value = answer.yaml;
      fillControls(answer.settings);
      showFileName();
      setStatus("Changed " + [...q.keys()].filter((k) => ["servers", "load", "algorithms", "fault"].includes(k)).join(", ") + " in the YAML.");
      return true;
    } catch (err) {
      showError(err);
      setStatus("");
      return false;
    }
  }

  // --- runs ---

  async function run() {
    if (state.busy) return;
    state.busy = true;
    $("run").disabled = true;
    $("apply-run").disabled = true;
    clearError();
    const started = performance.now();
    const yaml = $("yaml").value;
    const seeds = $("seeds").value.trim() || "1";
    setStatus("Running…");
    try {
      const q = seeds === "1" ? "" : "?seeds=" + encodeURIComponent(seeds);
      const data = await api("POST", "/api/report" + q, yaml);
      state.runs++;
      state.current = { no: state.runs, data, yaml };
      render();
      setStatus(`Run ${state.runs} took ${((performance.now() - started) / 1000).toFixed(1)} s.`);
      refreshSettings();
    } catch (err) {
      showError(err);
      setStatus("");
    } finally {
      state.busy = false;
      $("run").disabled = false;
      $("apply-run").disabled = false;
    }
  }

  function render() {
    const { pinned, current } = state;
    $("no-results").hidden = !!(pinned || current);
    $("runs").classList.toggle("pair", !!pinned);
    $("pinned").hidden = !pinned;
    if (pinned) renderRun($("pinned"), pinned, true);
    $("current").hidden = !current;
    if (!current) return;
    if (pinned && current === pinned) {
      $("current").replaceChildren(
        el("h3", {}, "Next run"),
        el("p", { class: "hint" }, "Change a key (the controls above, or the YAML) and run: the result shows here, beside the pinned run."),
      );
      return;
    }
    renderRun($("current"), current, false);
  }

  function seedText(r) {
    if (r.seeds > 1) return `${r.aggregate} of seeds ${r.seed} to ${r.seed + r.seeds - 1}`;
    return `seed ${r.seed}`;
  }

  function renderRun(article, run, isPinned) {
    const d = run.data;
    const r = d.results;
    article.classList.toggle("is-pinned", isPinned);
    const button = el("button", { type: "button", class: "pin" }, isPinned ? "Unpin" : "Pin to compare");
    button.addEventListener("click", () => {
      state.pinned = isPinned ? null : run;
      render();
      (isPinned ? $("run") : $("pinned").querySelector("button.pin")).focus();
    });
    const parts = [
      el("div", { class: "run-head" },
        el("div", {},
          el("h3", {}, `${isPinned ? "Pinned: run" : "Run"} ${run.no}: ${d.scenario}`),
          el("p", {}, `${seedText(r)}, ${r.requests.toLocaleString("en-US")} requests per algorithm · ${d.file}`)),
        button),
    ];
    if (d.cut_at) {
      parts.push(el("p", { class: "notice cut" },
        `Cut at ${d.cut_at.toLocaleString("en-US")} requests per algorithm: the scenario asks for more than this server runs (lbsim serve --max-requests). Use lbsim run for the whole run.`));
    }
    if (d.warning) parts.push(el("p", { class: "notice" }, "Warning: " + d.warning));
    if (!isPinned && state.pinned && state.pinned !== run) parts.push(changes(state.pinned, run));
    const pair = !!state.pinned && state.current !== state.pinned;
    parts.push(resultsTable(r, pair));
    if (d.readings.length) {
      // Side by side the readings fold away, so the charts line up.
      const dl = el("dl", { class: "readings" });
      for (const rd of d.readings) {
        dl.append(el("dt", {}, rd.algorithm), el("dd", {}, rd.latency));
        if (rd.load) dl.append(el("dd", {}, rd.load));
      }
      const details = el("details", { class: "readings" }, el("summary", {}, "Readings: what the numbers say"), dl);
      details.open = !pair;
      parts.push(details);
    }
    if (d.charts.length) parts.push(el("h4", {}, "Charts"));
    for (const ch of d.charts) {
      const fig = el("figure", { class: "chart", id: `${isPinned ? "pinned" : "current"}-chart-${ch.name}` },
        el("figcaption", {}, el("strong", {}, ch.title), " ", ch.about));
      fig.append(svgNode(ch.svg, ch.title));
      parts.push(fig);
    }
    parts.push(el("details", { class: "as-text" }, el("summary", {}, "As lbsim run prints it"), el("pre", {}, d.table)));
    article.replaceChildren(...parts);
  }

  // svgNode parses a chart's SVG as XML, so that nothing in it is read
  // as HTML, and labels it for screen readers.
  function svgNode(text, title) {
    const doc = new DOMParser().parseFromString(text, "image/svg+xml");
    const svg = doc.documentElement;
    if (svg.nodeName !== "svg") return el("p", { class: "hint" }, "(the chart could not be shown)");
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", title);
    return document.importNode(svg, true);
  }

  // columns of the results table: heading, value, format, which value
  // is best, and whether the column shows when two runs stand side by
  // side (narrow).
  const columns = [
    ["algorithm", (x) => x.algorithm, "", "", true],
    ["completed", (x) => x.completed, "count", "", false],
    ["failed", (x) => x.failed, "count", "low", true],
    ["rejected", (x) => x.rejected, "count", "low", true],
    ["req/s", (x) => x.throughput_rps, "rate", "", false],
    ["mean ms", (x) => x.latency_ms.mean, "ms", "low", true],
    ["p50 ms", (x) => x.latency_ms.p50, "ms", "low", false],
    ["p95 ms", (x) => x.latency_ms.p95, "ms", "low", true],
    ["p99 ms", (x) => x.latency_ms.p99, "ms", "low", true],
    ["p999 ms", (x) => x.latency_ms.p999, "ms", "low", false],
    ["max ms", (x) => x.latency_ms.max, "ms", "low", false],
    ["jain", (x) => x.fairness.jain_utilization, "ratio", "high", true],
  ];

  function format(v, kind) {
    switch (kind) {
      case "count": return v.toLocaleString("en-US");
      case "rate": return v.toFixed(1);
      case "ms": return v >= 100 ? v.toFixed(0) : v.toFixed(1);
      case "ratio": return v.toFixed(3);
      default: return String(v);
    }
  }

  function resultsTable(r, narrow) {
    // The figure the scenario judges by always shows, and says so.
    const judged = (r.judge || "p99") + " ms";
    const cols = columns.filter((c) => !narrow || c[4] || c[0] === judged)
      .map((c) => c[0] === judged ? [c[0] + " (judged)", ...c.slice(1)] : c);
    const served = r.results.filter((x) => x.completed > 0);
    const best = cols.map(([, get, , better]) => {
      if (!better || served.length < 2) return undefined;
      const values = served.map(get);
      return better === "low" ? Math.min(...values) : Math.max(...values);
    });
    const table = el("table", { class: "results" },
      el("caption", {}, `${r.scenario}: ${seedText(r)}, ${r.requests.toLocaleString("en-US")} requests. Bold: the best in its column.`),
      el("thead", {}, el("tr", {}, ...cols.map(([name]) => el("th", { scope: "col" }, name)))));
    const body = el("tbody");
    for (const x of r.results) {
      const row = el("tr");
      cols.forEach(([, get, kind], i) => {
        const v = get(x);
        if (i === 0) {
          row.append(el("th", { scope: "row" }, v));
          return;
        }
        const isBest = best[i] !== undefined && x.completed > 0 && v === best[i];
        row.append(el("td", {}, isBest ? el("strong", {}, format(v, kind)) : format(v, kind)));
      });
      body.append(row);
    }
    table.append(body);
    table.classList.toggle("narrow", narrow);
    const wrap = el("div", { class: "table-wrap" }, table);
    if (narrow) wrap.append(el("p", { class: "hint" }, "Side by side, some columns are left out: \u201cAs lbsim run prints it\u201d below has them all."));
    return wrap;
  }

  // changes shows the lines of the YAML that differ from the pinned run's.
  function changes(pinned, run) {
    const a = pinned.yaml.split("\n");
    const b = run.yaml.split("\n");
    const diff = lineDiff(a, b);
    const box = el("div", { class: "changes" });
    if (diff.length === 0) {
      box.append(el("p", {}, `The same scenario as pinned run ${pinned.no}.`));
      return box;
    }
    const pre = el("pre");
    for (const [sign, line] of diff) pre.append(el("span", { class: sign === "-" ? "del" : "add" }, `${sign} ${line}\n`));
    box.append(el("p", {}, `What changed since pinned run ${pinned.no}:`), pre);
    return box;
  }

  // lineDiff lists the lines removed from a and added in b, in order, by
  // the longest common subsequence of lines.
  function lineDiff(a, b) {
    const n = a.length, m = b.length;
    if (n * m > 4e6) return [["-", `(${n} lines)`], ["+", `(${m} lines)`]];
    const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
      }
    }
    const out = [];
    let i = 0, j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[i] === b[j]) { i++; j++; }
      else if (i < n && (j === m || lcs[i + 1][j] >= lcs[i][j + 1])) out.push(["-", a[i++]]);
      else out.push(["+", b[j++]]);
    }
    return out;
  }

  // --- lessons: lbsim explain and lbsim trace, step by step ---

  function lessonKind() {
    const trace = $("l-kind").value === "trace";
    for (const f of document.querySelectorAll(".trace-only")) f.hidden = !trace;
    const s = state.settings;
    if (trace && s && s.algorithms.length && !s.algorithms.includes($("l-alg").value)) $("l-alg").value = s.algorithms[0];
  }

  async function loadLesson() {
    clearError();
    const alg = $("l-alg").value;
    let text;
    try {
      if ($("l-kind").value === "explain") {
        text = await api("GET", "/api/explain?algorithm=" + encodeURIComponent(alg));
      } else {
        const q = new URLSearchParams({ algorithm: alg, from: $("l-from").value.trim() || "0s", first: $("l-first").value || "20" });
        text = await api("POST", "/api/trace?" + q.toString(), $("yaml").value);
      }
    } catch (err) {
      showError(err);
      return;
    }
    const lines = text.replace(/\n$/, "").split("\n");
    const steps = [];
    lines.forEach((l, i) => { if (/^\s*t=\d/.test(l)) steps.push(i); });
    state.lesson = { lines, steps, shown: 0 };
    renderLesson();
    $("l-out").focus();
  }

  // renderLesson shows the lines up to the last step shown: a line that
  // is not a step (prose, a blank line, the result) shows once every step
  // before it does.
  function renderLesson() {
    const ls = state.lesson;
    if (!ls) return;
    const { lines, steps, shown } = ls;
    const out = $("l-out");
    out.replaceChildren();
    let mark = null;
    let before = 0; // steps before line i
    lines.forEach((line, i) => {
      if (steps[before] === i) {
        before++;
        if (before > shown) return;
        if (before === shown) {
          mark = el("mark", {}, line);
          out.append(mark, "\n");
          return;
        }
      } else if (before > shown) {
        return;
      }
      out.append(line + "\n");
    });
    $("l-pos").textContent = steps.length ? `step ${shown} of ${steps.length}` : "";
    $("l-prev").disabled = shown === 0;
    $("l-next").disabled = shown >= steps.length;
    $("l-all").disabled = shown >= steps.length;
    if (mark) mark.scrollIntoView({ block: "nearest" });
  }

  function step(by) {
    const ls = state.lesson;
    if (!ls) return;
    ls.shown = Math.max(0, Math.min(ls.steps.length, by === Infinity ? ls.steps.length : ls.shown + by));
    renderLesson();
  }

  // --- start ---

  async function start() {
    try {
      const [scenarios, algorithms] = await Promise.all([api("GET", "/api/scenarios"), api("GET", "/api/algorithms")]);
      state.scenarios = scenarios;
      state.algorithms = algorithms;
    } catch (err) {
      showError(err);
      return;
    }
    $("pick").replaceChildren(
      el("option", { value: "" }, "(your own: edit the YAML)"),
      ...state.scenarios.map((s) => el("option", { value: s.name, title: s.description }, s.name)));
    $("q-algorithms").replaceChildren(...state.algorithms.map((a) =>
      el("label", { title: a.summary }, el("input", { type: "checkbox", value: a.name }), a.name)));
    $("l-alg").replaceChildren(...state.algorithms.map((a) => el("option", { value: a.name, title: a.summary }, a.name)));

    $("pick").addEventListener("change", () => pick($("pick").value));
    $("yaml").addEventListener("input", showFileName);
    $("yaml").addEventListener("change", refreshSettings);
    $("yaml").addEventListener("keydown", (e) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        run();
      }
    });
    $("run").addEventListener("click", run);
    $("apply").addEventListener("click", apply);
    $("apply-run").addEventListener("click", async () => { if (await apply()) run(); });
    $("error-goto").addEventListener("click", () => gotoLine(Number($("error-goto").dataset.line)));
    $("l-kind").addEventListener("change", lessonKind);
    $("l-load").addEventListener("click", loadLesson);
    $("l-prev").addEventListener("click", () => step(-1));
    $("l-next").addEventListener("click", () => step(1));
    $("l-all").addEventListener("click", () => step(Infinity));
    $("l-out").addEventListener("keydown", (e) => {
      const by = { ArrowRight: 1, ArrowLeft: -1, End: Infinity }[e.key];
      if (by !== undefined && state.lesson) {
        e.preventDefault();
        step(by);
      }
    });

    const wanted = decodeURIComponent(location.hash.slice(1));
    pick(bundled(wanted) ? wanted : bundled("mixed-50ms-5s") ? "mixed-50ms-5s" : state.scenarios[0].name);
  }

  start();
})();
