// SPDX-License-Identifier: Apache-2.0
// page.js — 048-map-page's browser: headless Chromium driven through puppeteer-core.
//
// usage: node page.js URL TOKEN GSLBCTL CONFIG SCREENSHOT
// Prints one "ok - ..." or "FAIL - ..." line per check, then exits 0 (the run script
// counts). Checks: the page loads without console errors; the token form appears (the
// endpoint has a token) and the token unlocks it; every configured region has a marker;
// `gslbctl drain-region eu-west` turns its marker "drained" within 2 s; clicking
// eu-central shows the what-if of its loss with the shares `gslbctl whatif --drain
// eu-central` prints; the explain form answers.
"use strict";
const path = require("path");
const { execFileSync } = require("child_process");
const puppeteer = require(path.join(process.env.NPM_DIR, "node_modules", "puppeteer-core"));
const [url, token, gslbctl, config, shot] = process.argv.slice(2);

const check = (ok, what) => console.log((ok ? "ok   - " : "FAIL - ") + what);
const ctl = (...args) => execFileSync(gslbctl, ["-c", config, ...args], { encoding: "utf8" });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

(async () => {
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run"],
  });
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1400, height: 800 });
    const errors = [];
    page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(url, { waitUntil: "load" });

    await page.waitForSelector("#token-form:not([hidden])", { timeout: 5000 });
    check(true, "the page asks for the API token");
    await page.type("#token", token);
    await page.click("#token-form button");

    const regions = JSON.parse(ctl("--json", "status")).regions.map((r) => r.name);
    await page.waitForFunction((n) => document.querySelectorAll("#regions .region").length === n,
                               { timeout: 5000 }, regions.length);
    errors.length = 0; // the 401s before the token were expected: count from here
    const shown = await page.$$eval("#regions .region", (els) => els.map((e) => e.dataset.region));
    check(JSON.stringify(shown.sort()) === JSON.stringify(regions.slice().sort()),
          `a marker for every configured region (${shown.length})`);
    const land = await page.$$eval("#land path", (els) => els.length);
    check(land > 100, `the land outlines are drawn (${land} paths)`);
    const up = await page.$eval('#regions [data-region="eu-west"]', (e) => e.dataset.state);
    check(up === "up", `eu-west is up before the drain (${up})`);

    ctl("drain-region", "eu-west");
    const t0 = Date.now();
    let drained = false;
    while (!drained && Date.now() - t0 < 5000) {
      drained = await page.$eval('#regions [data-region="eu-west"]', (e) => e.dataset.state === "drained");
      if (!drained) await sleep(50);
    }
    const ms = Date.now() - t0;
    check(drained && ms <= 2000, `eu-west's marker shows "drained" ${ms} ms after drain-region (<= 2000)`);
    ctl("undrain-region", "eu-west");

    await page.click('#regions [data-region="eu-central"] circle');
    await page.waitForFunction(() => document.querySelectorAll("#whatif tbody tr").length > 0,
                               { timeout: 5000 });
    const rows = await page.$$eval("#whatif tbody tr", (els) => els.map((e) => ({
      service: e.dataset.service, region: e.dataset.region,
      now: e.children[2].textContent, after: e.children[3].textContent })));
    const cli = JSON.parse(ctl("--json", "whatif", "--drain", "eu-central"));
    let same = rows.length > 0, n = 0;
    for (const s of cli.services)
      for (const r of s.regions) {
        const row = rows.find((x) => x.service === s.name && x.region === r.region);
        const want = (r.after * 100).toFixed(1) + "%" + (r.over ? " OVER CAPACITY" : "");
        if (!row || row.after !== want || row.now !== (r.now * 100).toFixed(1) + "%") same = false;
        n++;
      }
    check(same && n === rows.length, `the what-if panel shows gslbctl whatif's shares (${n} rows)`);

    await page.type("#explain-name", "www.example.com");
    await page.type("#explain-client", "10.1.2.0/24");
    await page.click("#explain-form button");
    await page.waitForFunction(() => /192\.0\.2\.10/.test(document.querySelector("#explain-out").textContent),
                               { timeout: 5000 });
    check(true, "the explain form answers (London: 192.0.2.10)");

    await sleep(1200); // a poll with rates and flows drawn
    await page.screenshot({ path: shot });
    check(errors.length === 0, `no console errors (${errors.join("; ") || "none"})`);
    console.log("page test: done");
  } catch (e) {
    check(false, "the page test ran to its end: " + e.message);
  } finally {
    await browser.close();
  }
})();
