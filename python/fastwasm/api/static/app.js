// The fastwasm page: compare the three methods on one n, or sweep a range of n;
// and call the served kernels' functions. Talks only to this origin's
// /compare/{n} and /kernels; charts with the vendored Chart.js.
"use strict";

const METHODS = ["Python", "WASM", "Native"];
const COLORS = { Python: "#3572a5", WASM: "#654ff0", Native: "#dea584" };
const MESSAGE_MAX_DIGITS = 50;
const EDGE_DIGITS = 10;

const $ = (id) => document.getElementById(id);

/** The server's own message: a string, or FastAPI's list of validation errors. */
function errorMessage(status, body) {
  const detail = body && body.detail;
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) {
    return detail.map((e) => `${(e.loc || []).slice(-1)[0] || "input"}: ${e.msg}`).join("; ");
  }
  return `The server answered ${status}.`;
}

class RequestError extends Error {}

async function compare(n, algorithm, signal) {
  const url = `/compare/${encodeURIComponent(n)}?algorithm=${encodeURIComponent(algorithm)}`;
  const response = await fetch(url, { signal, headers: { Accept: "application/json" } });
  const text = await response.text();
  let body = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  if (!response.ok || body === null) {
    const retry = response.headers.get("Retry-After");
    const suffix = retry ? ` (retry in ${retry} s)` : "";
    throw new RequestError(errorMessage(response.status, body) + suffix);
  }
  return body;
}

function wholeNumber(text, what) {
  const value = text.trim();
  if (!/^-?\d+$/.test(value)) throw new RequestError(`Enter a whole number for ${what}.`);
  return value;
}

function formatSeconds(s) {
  if (s >= 1) return `${s.toPrecision(3)} s`;
  if (s >= 1e-3) return `${(s * 1e3).toPrecision(3)} ms`;
  if (s >= 1e-6) return `${(s * 1e6).toPrecision(3)} µs`;
  return `${(s * 1e9).toPrecision(3)} ns`;
}

function shorten(digits) {
  if (digits.length <= MESSAGE_MAX_DIGITS) return digits;
  return `${digits.slice(0, EDGE_DIGITS)}…${digits.slice(-EDGE_DIGITS)} (${digits.length.toLocaleString("en")} digits)`;
}

function showError(element, message) {
  element.textContent = message;
  element.hidden = !message;
}

/** A value cell: short values in full; long ones shortened, with every digit one click away. */
function valueCell(digits) {
  const cell = document.createElement("td");
  if (digits.length <= MESSAGE_MAX_DIGITS) {
    const code = document.createElement("span");
    code.className = "digits";
    code.textContent = digits;
    cell.append(code);
    return cell;
  }
  const details = document.createElement("details");
  const summary = document.createElement("summary");
  summary.textContent = shorten(digits);
  const all = document.createElement("span");
  all.className = "digits";
  all.textContent = digits;
  details.append(summary, all);
  cell.append(details);
  return cell;
}

function speedup(result, body) {
  if (result.method === "Python") return "baseline";
  const ratio = Number(result.method === "WASM" ? body.speedup_wasm : body.speedup_native);
  if (!(ratio > 0)) return "–";
  return ratio >= 1 ? `${ratio.toPrecision(3)}× faster` : `${(1 / ratio).toPrecision(3)}× slower`;
}

const logAxis = (title) => ({
  type: "logarithmic",
  title: { display: true, text: title },
  ticks: { callback: (value) => formatSeconds(Number(value)) },
});

let barChart = null;

function drawBars(results) {
  const data = {
    labels: results.map((r) => r.method),
    datasets: [{
      label: "Execution time",
      data: results.map((r) => Math.max(Number(r.execution_time), 1e-9)),
      backgroundColor: results.map((r) => COLORS[r.method]),
    }],
  };
  if (barChart) {
    barChart.data = data;
    barChart.update();
    return;
  }
  barChart = new Chart($("bar-chart"), {
    type: "bar",
    data,
    options: {
      maintainAspectRatio: false,
      animation: false,
      scales: { y: logAxis("time (log scale)") },
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: { label: (item) => formatSeconds(item.raw) } },
      },
    },
  });
}

async function onCompare(event) {
  event.preventDefault();
  const button = $("compare-button");
  showError($("compare-error"), "");
  button.disabled = true;
  try {
    const n = wholeNumber($("compare-n").value, "n");
    const body = await compare(n, $("compare-algorithm").value);
    $("result-n").textContent = body.number;
    const agreement = $("agreement");
    agreement.textContent = body.agree ? "✓ All three methods agree." : "✗ The methods DISAGREE.";
    agreement.className = `badge ${body.agree ? "agree" : "disagree"}`;
    const rows = body.results.map((r) => {
      const row = document.createElement("tr");
      const method = document.createElement("th");
      method.scope = "row";
      method.textContent = r.method;
      const time = document.createElement("td");
      time.textContent = formatSeconds(Number(r.execution_time));
      const ratio = document.createElement("td");
      ratio.textContent = speedup(r, body);
      row.append(method, valueCell(r.digits), time, ratio);
      return row;
    });
    $("results").tBodies[0].replaceChildren(...rows);
    $("compare-result").hidden = false;
    drawBars(body.results);
  } catch (error) {
    showError($("compare-error"), error instanceof RequestError ? error.message : `Request failed: ${error.message}`);
  } finally {
    button.disabled = false;
  }
}

let lineChart = null;

function resetLines() {
  const datasets = METHODS.map((method) => ({
    label: method,
    data: [],
    borderColor: COLORS[method],
    backgroundColor: COLORS[method],
    showLine: true,
    pointRadius: 3,
  }));
  if (lineChart) {
    lineChart.data.datasets = datasets;
    lineChart.update("none");
    return;
  }
  lineChart = new Chart($("line-chart"), {
    type: "line",
    data: { datasets },
    options: {
      maintainAspectRatio: false,
      animation: false,
      parsing: false,
      scales: {
        x: { type: "logarithmic", title: { display: true, text: "n (log scale)" } },
        y: logAxis("time (log scale)"),
      },
      plugins: { tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${formatSeconds(item.raw.y)}` } } },
    },
  });
}

/** Up to `count` distinct integers from `from` to `to`, evenly spaced on a log scale. */
function logSpaced(from, to, count) {
  if (count === 1) return [from];
  const values = new Set();
  for (let i = 0; i < count; i += 1) {
    values.add(Math.round(from * (to / from) ** (i / (count - 1))));
  }
  return [...values].sort((a, b) => a - b);
}

let sweepAbort = null;

async function onSweep(event) {
  event.preventDefault();
  const error = $("sweep-error");
  showError(error, "");
  let ns;
  try {
    const from = Number(wholeNumber($("sweep-from").value, "From n"));
    const to = Number(wholeNumber($("sweep-to").value, "To n"));
    const points = Number(wholeNumber($("sweep-points").value, "Points"));
    if (from < 1 || to < from) throw new RequestError("Pick 1 ≤ From n ≤ To n: a log scale has no place for 0.");
    if (points < 1 || points > 200) throw new RequestError("Pick between 1 and 200 points.");
    ns = logSpaced(from, to, points);
  } catch (e) {
    showError(error, e.message);
    return;
  }
  const algorithm = $("sweep-algorithm").value;
  const progress = $("sweep-progress");
  const status = $("sweep-status");
  sweepAbort = new AbortController();
  $("sweep-button").disabled = true;
  $("cancel-button").disabled = false;
  progress.max = ns.length;
  progress.value = 0;
  resetLines();
  let done = 0;
  try {
    for (const n of ns) {
      status.textContent = `Computing F(${n}): ${done} of ${ns.length} done.`;
      const body = await compare(n, algorithm, sweepAbort.signal);
      for (const r of body.results) {
        const seconds = Number(r.execution_time);
        if (seconds > 0) lineChart.data.datasets[METHODS.indexOf(r.method)].data.push({ x: n, y: seconds });
      }
      lineChart.update("none");
      done += 1;
      progress.value = done;
    }
    status.textContent = `Done: ${done} of ${ns.length} points.`;
  } catch (e) {
    if (e.name === "AbortError") {
      status.textContent = `Cancelled after ${done} of ${ns.length} points.`;
    } else {
      status.textContent = `Stopped after ${done} of ${ns.length} points.`;
      showError(error, e instanceof RequestError ? e.message : `Request failed: ${e.message}`);
    }
  } finally {
    sweepAbort = null;
    $("sweep-button").disabled = false;
    $("cancel-button").disabled = true;
  }
}

function onCancel() {
  if (sweepAbort) sweepAbort.abort();
}

// ---- Modules: a form per function whose parameters are simple -------------

/** How to read one parameter from a text field into JSON text, or null if the
 * parameter's type is not simple (the form then is not offered). */
function simpleKind(schema) {
  if (schema.type === "boolean") return "boolean";
  if (schema.type === "integer") return "integer";
  if (schema.type === "string" && Array.isArray(schema.enum)) return "enum";
  if (schema.type === "string" && !schema.contentEncoding) return "string";
  if (Array.isArray(schema.anyOf) && schema.anyOf.some((s) => s.type === "number")) return "number";
  return null;
}

/** The parameter's value as JSON text; integers keep every digit (no JS number). */
function jsonOf(kind, field, name) {
  const value = field.type === "checkbox" ? field.checked : field.value;
  if (kind === "boolean") return value ? "true" : "false";
  if (kind === "integer") return wholeNumber(value, name);
  if (kind === "number") {
    const text = value.trim();
    if (["NaN", "Infinity", "-Infinity"].includes(text)) return JSON.stringify(text);
    if (!/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new RequestError(`Enter a number for ${name}.`);
    return text;
  }
  return JSON.stringify(value);
}

function element(tag, attributes = {}, text = "") {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (text) node.textContent = text;
  return node;
}

let fieldCount = 0;

function functionForm(kernel, fn) {
  const kinds = fn.params.map((p) => simpleKind(p.schema));
  const details = element("details");
  const summary = element("summary");
  summary.append(element("code", {}, fn.name), ": ", element("code", {}, fn.signature));
  details.append(summary);
  if (fn.unsupported) {
    details.append(element("p", { class: "hint" }, fn.unsupported));
    return details;
  }
  if (kinds.includes(null)) {
    details.append(element("p", { class: "hint" }, "Call it from the API docs or with curl: its parameters are not simple."));
    return details;
  }
  const form = element("form", { novalidate: "" });
  const fields = fn.params.map((p, i) => {
    const id = `kernel-field-${++fieldCount}`;
    const wrap = element("div", { class: "field" });
    wrap.append(element("label", { for: id }, `${p.name} (${p.wit_type.length > 40 ? "enum" : p.wit_type})`));
    let field;
    if (kinds[i] === "enum") {
      field = element("select", { id });
      for (const name of p.schema.enum) field.append(element("option", { value: name }, name));
    } else if (kinds[i] === "boolean") {
      field = element("input", { id, type: "checkbox" });
    } else {
      field = element("input", { id, type: "text", autocomplete: "off" });
      if (kinds[i] === "integer") field.setAttribute("inputmode", "numeric");
    }
    wrap.append(field);
    form.append(wrap);
    return field;
  });
  const button = element("button", { type: "submit" }, `Call ${fn.name}`);
  form.append(button);
  const error = element("p", { class: "error", role: "alert", hidden: "" });
  const output = element("output", { "aria-live": "polite" });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    output.textContent = "";
    button.disabled = true;
    try {
      const parts = fn.params.map((p, i) => `${JSON.stringify(p.name)}: ${jsonOf(kinds[i], fields[i], p.name)}`);
      const response = await fetch(fn.path, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: `{${parts.join(", ")}}`,
      });
      const text = await response.text();
      let body = null;
      try {
        body = JSON.parse(text);
      } catch {
        body = null;
      }
      if (response.ok && body) {
        const shown = typeof body.result === "string" ? body.result : JSON.stringify(body.result);
        output.textContent = `${shorten(shown)} in ${formatSeconds(body.execution_time)}`;
      } else if (body && "error" in body) {
        showError(error, `The guest's own error: ${typeof body.error === "string" ? body.error : JSON.stringify(body.error)}`);
      } else {
        const retry = response.headers.get("Retry-After");
        showError(error, errorMessage(response.status, body) + (retry ? ` (retry in ${retry} s)` : ""));
      }
    } catch (problem) {
      showError(error, problem instanceof RequestError ? problem.message : String(problem));
    } finally {
      button.disabled = false;
    }
  });
  details.append(form, error, output);
  return details;
}

async function loadModules() {
  const list = $("kernels-list");
  try {
    const response = await fetch("/kernels", { headers: { Accept: "application/json" } });
    const body = await response.json();
    if (!response.ok) throw new RequestError(errorMessage(response.status, body));
    list.textContent = "";
    if (body.kernels.length === 0) list.append(element("p", { class: "hint" }, "No kernels are served."));
    for (const kernel of body.kernels) {
      const article = element("article", { class: "kernel" });
      article.append(element("h3", {}, kernel.name));
      article.append(
        element("p", { class: "hint" }, `${kernel.file}, ${kernel.size_bytes.toLocaleString("en")} bytes, sha256 ${kernel.sha256.slice(0, 12)}…`),
      );
      if (kernel.error) article.append(element("p", { class: "error" }, kernel.error));
      for (const fn of kernel.functions) article.append(functionForm(kernel, fn));
      list.append(article);
    }
  } catch (problem) {
    list.textContent = "";
    showError($("kernels-error"), problem instanceof RequestError ? problem.message : String(problem));
  }
}

$("compare-form").addEventListener("submit", onCompare);
$("sweep-form").addEventListener("submit", onSweep);
$("cancel-button").addEventListener("click", onCancel);
resetLines();
loadModules();
