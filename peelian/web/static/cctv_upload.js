// CCTV footage sent in chunks (fetch + Blob.slice) that survives a dropped connection: a failed
// chunk is retried after asking the server how much it holds, and an upload interrupted by a
// closed page resumes when the same file is chosen again (its address is kept in this browser).
// The protocol is described in peelian/web/routers/cctv_intake.py.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  const form = document.getElementById("cctv-upload");
  if (!form) { return; }
  const state = document.getElementById("cctv-state");
  const bar = document.getElementById("cctv-progress");
  const offsetBox = form.elements.clock_offset_s;
  const cameraTime = form.elements.camera_time;
  const offsetSaid = document.getElementById("cctv-offset-said");
  const asked = Number(new URLSearchParams(window.location.search).get("chunk"));
  const chunk = asked >= 1024 && asked < Number(form.dataset.chunk) ? asked : Number(form.dataset.chunk);
  const MAX_FAILURES = 8;

  class Refusal extends Error {}

  function say(text, bad) {
    state.textContent = text;
    state.classList.toggle("error", Boolean(bad));
  }
  function wait(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }
  function headers(extra) {
    const found = Object.assign({ "Accept": "application/json" }, extra || {});
    if (form.dataset.csrf) { found["X-CSRF-Token"] = form.dataset.csrf; }
    return found;
  }
  async function problem(response) {
    try {
      const body = await response.json();
      return body.detail || body.title;
    } catch (error) {
      return "the server answered " + response.status;
    }
  }
  function megabytes(count) { return (count / 1048576).toFixed(1) + " MB"; }
  function localNow() {  // "YYYY-MM-DDTHH:MM:SS" on this device's clock, as datetime-local wants
    const now = new Date();
    return new Date(now.getTime() - now.getTimezoneOffset() * 60000).toISOString().slice(0, 19);
  }

  function describe(seconds) {
    const size = Math.abs(seconds);
    const words = (size >= 60 ? Math.floor(size / 60) + " min " : "") + (size % 60) + " s";
    offsetSaid.textContent = seconds === 0 ? "The camera is taken to be right." :
      "The camera is " + words + (seconds > 0 ? " fast." : " slow.");
  }
  cameraTime.value = localNow();
  document.getElementById("cctv-clock-now").addEventListener("click", function () {
    if (!cameraTime.value) { say("First type the time the camera will show.", true); return; }
    const seconds = Math.round((new Date(cameraTime.value).getTime() - Date.now()) / 1000);
    offsetBox.value = String(seconds);
    describe(seconds);
  });
  offsetBox.addEventListener("input", function () { describe(Math.round(Number(offsetBox.value) || 0)); });

  function details() {
    const found = {};
    ["camera", "location", "owner"].forEach(function (name) {
      const field = form.elements[name];
      if (field && field.value.trim()) { found[name] = field.value.trim(); }
    });
    if (offsetBox.value !== "") { found.clock_offset_s = Number(offsetBox.value); }
    const start = form.elements.camera_start.value;
    if (start) { found.camera_start = new Date(start).toISOString(); }
    return found;
  }

  async function status(url) {
    try {
      const response = await fetch(url, { credentials: "same-origin", headers: headers() });
      return response.ok ? await response.json() : null;
    } catch (error) {
      return null;
    }
  }

  async function open(file, key) {
    const kept = window.localStorage.getItem(key);
    if (kept) {
      const found = await status(kept);
      if (found && !found.complete) { return Object.assign(found, { url: kept }); }
    }
    const body = { name: file.name, total_bytes: file.size, details: details() };
    if (form.dataset.case) { body.case_ref = form.dataset.case; }
    const response = await fetch(form.dataset.start, {
      method: "POST", credentials: "same-origin", body: JSON.stringify(body),
      headers: headers({ "Content-Type": "application/json" }),
    });
    if (!response.ok) { throw new Refusal(await problem(response)); }
    const upload = await response.json();
    window.localStorage.setItem(key, upload.url);
    return upload;
  }

  function progress(done, total) {
    bar.hidden = false;
    bar.value = total ? Math.floor(100 * done / total) : 100;
    say("Sent " + megabytes(done) + " of " + megabytes(total) + ".");
  }

  async function send(upload, file) {
    let offset = upload.received_bytes, failures = 0;
    progress(offset, file.size);
    for (;;) {
      const end = Math.min(offset + chunk, file.size);
      let response = null;
      try {
        response = await fetch(upload.url + "?offset=" + offset, {
          method: "PUT", credentials: "same-origin", body: file.slice(offset, end),
          headers: headers({ "Content-Type": "application/octet-stream" }),
        });
      } catch (error) {
        response = null;  // the connection dropped: ask where the server got to, then go on
      }
      if (response && response.ok) {
        const done = await response.json();
        failures = 0;
        offset = done.received_bytes;
        progress(offset, file.size);
        if (done.complete) { return done; }
        continue;
      }
      if (response && response.status !== 409 && response.status < 500 && response.status !== 429) {
        throw new Refusal(await problem(response));
      }
      if (!response || response.status !== 409) {
        failures += 1;
        if (failures > MAX_FAILURES) {
          throw new Refusal("The connection keeps failing. Press Send again to carry on from where it stopped.");
        }
        say("The connection dropped: trying again (" + failures + ")…", true);
        await wait(Math.min(30000, 500 * 2 ** failures));
      }
      const found = await status(upload.url);
      if (found && found.complete) { return found; }
      if (found) { offset = found.received_bytes; }
    }
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    const file = form.elements.file.files[0];
    if (!file) { say("Choose the video file first.", true); return; }
    const key = "peelian.cctv." + form.dataset.start + "|" + file.name + "|" + file.size + "|" + file.lastModified;
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    document.getElementById("cctv-done").hidden = true;
    try {
      const done = await send(await open(file, key), file);
      window.localStorage.removeItem(key);
      say("All " + megabytes(file.size) + " received.");
      document.getElementById("cctv-reference").textContent = done.reference;
      document.getElementById("cctv-sha256").textContent = done.sha256;
      document.getElementById("cctv-done").hidden = false;
    } catch (error) {
      say(error instanceof Refusal ? error.message : "Something went wrong: " + error.message, true);
    } finally {
      button.disabled = false;
    }
  });
});
