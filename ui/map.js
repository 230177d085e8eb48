// SPDX-License-Identifier: Apache-2.0
// ui/map.js — the map page: draws the land and the regions, polls gslbd's JSON API each
// second, shows a region's members and the what-if of its loss, and explains answers.
// No framework and nothing from outside gslbd: the page works offline.
"use strict";

const W = 1000, H = 500, SVGNS = "http://www.w3.org/2000/svg";
const $ = (id) => document.getElementById(id);
let token = sessionStorage.getItem("gslb-token") || "";
let selected = null;     // the region whose panel is open
let lastAnswers = null;  // member key -> answers, at lastTime
let lastTime = 0;
let rates = {};          // member key -> answers per second

// Equirectangular projection of the whole world onto the 1000 x 500 view box.
const px = (lon) => (lon + 180) / 360 * W;
const py = (lat) => (90 - lat) / 180 * H;

function el(name, attrs, parent) {
  const e = document.createElementNS(SVGNS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (parent) parent.appendChild(e);
  return e;
}

function cell(tr, text) {
  const td = document.createElement("td");
  td.textContent = text;
  tr.appendChild(td);
}

// A request to gslbd's API with the token when one was given; a 401 asks for one.
async function api(method, path, body) {
  const headers = { "Accept": "application/json" };
  if (token) headers["Authorization"] = "Bearer " + token;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (r.status === 401) {
    $("token-form").hidden = false;
    throw new Error("this gslbd needs its API token");
  }
  const j = await r.json();
  if (!r.ok) throw new Error((j.errors || [r.statusText]).join("; "));
  return j;
}

async function drawLand() {
  const rings = await (await fetch("/ui/land.json")).json();
  const g = $("land");
  for (const ring of rings) {
    // a ring crossing the antimeridian (Russia, Antarctica) continues on the other edge:
    // move there instead of drawing a line across the map, and leave it open
    let d = "", wraps = false;
    for (let i = 0; i < ring.length; i += 2) {
      const jump = i > 0 && Math.abs(ring[i] - ring[i - 2]) > 180;
      wraps = wraps || jump;
      d += (i === 0 || jump ? "M" : "L") + px(ring[i]).toFixed(1) + " " + py(ring[i + 1]).toFixed(1);
    }
    el("path", { d: wraps ? d : d + "Z" }, g);
  }
}

// A region's state from its members: all drained, all down, some down, or up.
function regionState(members) {
  if (members.length && members.every((m) => m.override === "drain")) return "drained";
  const up = members.filter((m) => m.override !== "drain" && m.health.up && m.override !== "down");
  if (up.length === 0) return "down";
  return up.length < members.filter((m) => m.override !== "drain").length ? "degraded" : "up";
}

function membersOf(state, region) {
  const out = [];
  for (const s of state.services)
    for (const m of s.members)
      if (m.region === region) out.push(Object.assign({ service: s.name }, m));
  return out;
}

function updateRates(state) {
  const now = performance.now(), answers = {};
  for (const s of state.services)
    for (const m of s.members) answers[s.name + " " + m.index] = m.answers;
  if (lastAnswers) {
    const dt = (now - lastTime) / 1000;
    for (const k in answers) rates[k] = Math.max(0, (answers[k] - (lastAnswers[k] || 0)) / dt);
  }
  lastAnswers = answers;
  lastTime = now;
}

function drawRegions(state) {
  const g = $("regions");
  for (const r of state.regions) {
    let m = g.querySelector(`[data-region="${CSS.escape(r.name)}"]`);
    if (!m) {
      m = el("g", { class: "region", "data-region": r.name }, g);
      const c = el("circle", { cx: px(r.lon), cy: py(r.lat), r: 7 }, m);
      el("title", {}, c);
      el("text", { x: px(r.lon) + 9, y: py(r.lat) + 4 }, m);
      m.addEventListener("click", () => openRegion(r.name));
    }
    const members = membersOf(state, r.name);
    const rate = members.reduce((a, x) => a + (rates[x.service + " " + x.index] || 0), 0);
    const st = regionState(members);
    m.setAttribute("data-state", st);
    m.querySelector("text").textContent = `${r.name} ${rate.toFixed(0)}/s`;
    m.querySelector("title").textContent = `${r.name}: ${st}, ${members.length} members, ${rate.toFixed(1)} answers/s`;
  }
}

function drawProbers(state) {
  const tb = $("probers").querySelector("tbody");
  tb.textContent = "";
  for (const p of state.probers || []) {
    const tr = document.createElement("tr");
    cell(tr, p.id);
    cell(tr, (p.report_age_ms / 1000).toFixed(1) + " s ago");
    cell(tr, p.fresh ? "" : "STALE");
    tb.appendChild(tr);
  }
}

function memberState(m) {
  if (m.override === "drain") return "drained";
  if (m.override === "up") return "forced-up";
  if (m.override === "down") return "forced-down";
  return m.health.up ? "up" : "DOWN";
}

function votes(m) {
  const v = [];
  for (const t of m.targets || [])
    for (const x of t.votes) v.push(`${x.prober}:${x.up ? "up" : "down"}`);
  return v.join(" ") || "-";
}

function drawPanel(state) {
  if (!selected) return;
  const tb = $("region-members").querySelector("tbody");
  tb.textContent = "";
  for (const m of membersOf(state, selected)) {
    const tr = document.createElement("tr");
    cell(tr, m.service);
    cell(tr, m.index);
    cell(tr, memberState(m));
    cell(tr, (rates[m.service + " " + m.index] || 0).toFixed(1));
    cell(tr, votes(m));
    tb.appendChild(tr);
  }
}

async function openRegion(name) {
  selected = name;
  $("region-panel").hidden = false;
  $("region-name").textContent = name;
  const tb = $("whatif").querySelector("tbody");
  tb.textContent = "";
  $("whatif-note").textContent = "replaying the recent clients…";
  try {
    const w = await api("POST", "/api/v1/whatif", { drain: [name] });
    for (const s of w.services)
      for (const r of s.regions) {
        const tr = document.createElement("tr");
        tr.setAttribute("data-service", s.name);
        tr.setAttribute("data-region", r.region);
        cell(tr, s.name);
        cell(tr, r.region);
        cell(tr, (r.now * 100).toFixed(1) + "%");
        cell(tr, (r.after * 100).toFixed(1) + "%" + (r.over ? " OVER CAPACITY" : ""));
        tb.appendChild(tr);
      }
    $("whatif-note").textContent = w.services.length
      ? `${w.clients} client networks of the last 5-10 minutes`
      : "no answers recorded yet";
  } catch (e) {
    $("whatif-note").textContent = e.message;
  }
  refresh();
}

async function drawFlows() {
  try {
    const f = await api("GET", "/api/v1/flows");
    const g = $("flows");
    g.textContent = "";
    const max = Math.max(1, ...f.flows.map((x) => x.answers));
    for (const x of f.flows) {
      const x1 = px(x.lon), y1 = py(x.lat), x2 = px(x.region_lon), y2 = py(x.region_lat);
      const mx = (x1 + x2) / 2, my = (y1 + y2) / 2 - Math.abs(x2 - x1) / 5;
      el("path", { class: "flow", d: `M${x1} ${y1}Q${mx} ${my} ${x2} ${y2}`,
                   "stroke-width": 0.5 + 3 * x.answers / max, "data-region": x.region }, g);
    }
  } catch (e) { /* flows are a picture: the status line reports errors */ }
}

async function refresh() {
  try {
    const state = await api("GET", "/api/v1/state");
    $("version").textContent = state.version;
    $("status").textContent = `${state.serving ? "serving" : "NOT SERVING"}, generation ${state.generation}`;
    updateRates(state);
    drawRegions(state);
    drawProbers(state);
    drawPanel(state);
  } catch (e) {
    $("status").textContent = e.message;
  }
}

$("token-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  token = $("token").value.trim();
  sessionStorage.setItem("gslb-token", token);
  $("token-form").hidden = true;
  refresh();
  drawFlows();
});

$("explain-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const q = new URLSearchParams({ name: $("explain-name").value, qtype: $("explain-qtype").value });
  if ($("explain-client").value) q.set("client", $("explain-client").value);
  try {
    const j = await api("GET", "/api/v1/explain?" + q);
    const lines = [`${j.answer.rcode}` + (j.answer.ttl != null ? `, TTL ${j.answer.ttl}` : "")];
    lines.push(...j.answer.answer);
    for (const run of j.runs) {
      const c = run.client;
      lines.push("", `${run.service} (${run.chain}): client ${c.address}/${c.prefix}, location from ${c.location_source}` +
                 (c.country ? ` (${c.country})` : ""));
      for (const s of run.steps) lines.push(`  ${s.filter}: ${s.in.length} -> ${s.out.length}` +
                 (s.removed.length ? `, removed ${s.removed.map((k) => j.members[k].region).join(", ")}` : ""));
      lines.push(`  chosen: ${run.chosen.map((k) => j.members[k].region).join(", ")}`);
    }
    $("explain-out").textContent = lines.join("\n");
  } catch (e) {
    $("explain-out").textContent = e.message;
  }
});

drawLand().then(() => { refresh(); drawFlows(); });
setInterval(refresh, 1000);
setInterval(drawFlows, 5000);
