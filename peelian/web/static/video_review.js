// CCTV review (no framework; works offline). The case page waits for running analyses and reloads
// when they finish. The review page draws the timeline under the player (the footage's length, the
// active segments, each kind of event in its own lane, people on screen, the play head; a click
// seeks), plays an event from its moment, plays only the active segments in synopsis mode, and
// sends each decision on an event to the leads API with the reason. Data comes from the page's
// JSON block; text is always set with textContent, never as markup.
"use strict";

// --- the case page: wait for analyses --------------------------------------------------------
document.addEventListener("DOMContentLoaded", function () {
  const table = document.getElementById("video-footage");
  if (!table || !table.querySelector("[data-analysing]")) { return; }
  const note = document.getElementById("video-polling");
  if (note) { note.hidden = false; }
  const url = "/api/video/cases/" + encodeURIComponent(table.dataset.case);
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (report) {
        if (!report) { setTimeout(poll, 10000); return; }
        let running = false;
        report.videos.forEach(function (video) {
          const shown = table.querySelector('[data-analysing="' + video.id + '"]');
          if (video.status === "analysing") {
            running = true;
            if (shown && video.progress !== null) {
              shown.textContent = "analysing (" + Math.round(video.progress * 100) + "%)";
            }
          }
        });
        if (running) { setTimeout(poll, 3000); } else { window.location.reload(); }
      })
      .catch(function () { setTimeout(poll, 10000); });
  }
  setTimeout(poll, 2000);
});

// --- the review page: waiting for its analysis -----------------------------------------------
document.addEventListener("DOMContentLoaded", function () {
  const status = document.getElementById("video-status");
  const running = status && status.querySelector("[data-analysing]");
  if (!running) { return; }
  const url = "/api/video/footage/" + running.dataset.analysing;
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (report) {
        if (report && report.status !== "analysing") { window.location.reload(); return; }
        if (report && report.progress !== null) {
          running.textContent = "analysing (" + Math.round(report.progress * 100) + "%)";
        }
        setTimeout(poll, 3000);
      })
      .catch(function () { setTimeout(poll, 10000); });
  }
  setTimeout(poll, 2000);
});

// --- the review page: player, timeline, synopsis ---------------------------------------------
document.addEventListener("DOMContentLoaded", function () {
  const video = document.getElementById("video-player");
  const dataBlock = document.getElementById("video-data");
  const timeline = document.getElementById("video-timeline");
  if (!video || !dataBlock || !timeline) { return; }
  const data = JSON.parse(dataBlock.textContent);
  const SVG = "http://www.w3.org/2000/svg";
  const WIDTH = 1000;
  const kinds = data.kinds.map(function (pair) { return pair[0]; });
  const titles = Object.fromEntries(data.kinds);
  const LANE = 14, BAND = 16, SPARK = 36, GAP = 4;
  const laneTop = BAND + GAP;
  const sparkTop = laneTop + kinds.length * LANE + GAP;
  const HEIGHT = sparkTop + SPARK;
  const segments = data.segments.map(function (s) { return [Number(s[0]), Number(s[1])]; });
  const synopsisBox = document.getElementById("video-synopsis");
  const synopsisInfo = document.getElementById("video-synopsis-info");
  const timeShown = document.getElementById("video-time");
  let head = null;

  function duration() {
    if (data.duration > 0) { return data.duration; }
    return isFinite(video.duration) && video.duration > 0 ? video.duration : 1;
  }
  function x(seconds) { return Math.max(0, Math.min(WIDTH, (seconds / duration()) * WIDTH)); }
  function clock(seconds) {
    const whole = Math.floor(seconds), h = Math.floor(whole / 3600), m = Math.floor((whole % 3600) / 60);
    const s = (seconds - h * 3600 - m * 60).toFixed(1).padStart(4, "0");
    return (h ? h + ":" + String(m).padStart(2, "0") : String(m)) + ":" + s;
  }
  function node(tag, attributes, parent) {
    const made = document.createElementNS(SVG, tag);
    Object.keys(attributes).forEach(function (name) { made.setAttribute(name, String(attributes[name])); });
    parent.appendChild(made);
    return made;
  }
  function titled(element, text) {
    const title = document.createElementNS(SVG, "title");
    title.textContent = text;
    element.appendChild(title);
  }

  function legend() {
    const list = document.getElementById("video-legend");
    if (!list) { return; }
    const entries = [["segment", "Active (worth watching)"]]
      .concat(kinds.map(function (kind) { return ["kind-" + kind, titles[kind]]; }))
      .concat([["people", "People on screen"]]);
    entries.forEach(function (entry) {
      const item = document.createElement("li");
      const swatch = document.createElement("span");
      swatch.className = "swatch " + entry[0];
      swatch.setAttribute("aria-hidden", "true");
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(" " + entry[1]));
      list.appendChild(item);
    });
  }

  function draw() {
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 " + WIDTH + " " + HEIGHT);
    svg.setAttribute("preserveAspectRatio", "none");
    svg.setAttribute("aria-hidden", "true");
    node("rect", { x: 0, y: 0, width: WIDTH, height: HEIGHT, class: "vt-back" }, svg);
    node("rect", { x: 0, y: 0, width: WIDTH, height: BAND, class: "vt-quiet" }, svg);
    segments.forEach(function (s) {
      const band = node("rect", { x: x(s[0]), y: 0, width: Math.max(x(s[1]) - x(s[0]), 1), height: BAND,
        class: "vt-segment" }, svg);
      titled(band, "Active " + clock(s[0]) + " to " + clock(s[1]));
    });
    kinds.forEach(function (kind, lane) {
      node("rect", { x: 0, y: laneTop + lane * LANE, width: WIDTH, height: LANE - 2, class: "vt-lane" }, svg);
    });
    let markers = 0;
    data.events.forEach(function (event) {
      const lane = kinds.indexOf(event.kind);
      if (lane < 0) { return; }
      // the span it lasts (overlaps show darker), and a solid tick where it starts
      const start = x(event.media_from), top = laneTop + lane * LANE;
      const mark = node("g", {
        class: "vt-event kind-" + event.kind + " status-" + event.lead_status, "data-event": event.id,
        "data-from": event.media_from,
      }, svg);
      node("rect", { x: start, y: top, width: Math.max(x(event.media_to) - start, 3), height: LANE - 2,
        class: "vt-span" }, mark);
      node("rect", { x: start, y: top, width: 3, height: LANE - 2, class: "vt-start" }, mark);
      titled(mark, event.title + (event.zone ? " '" + event.zone + "'" : "") + " at " + event.clock_from);
      markers += 1;
    });
    const people = data.people_per_second;
    const most = Math.max(1, Math.max.apply(null, people.concat([0])));
    if (people.length) {
      const points = [];
      people.forEach(function (count, second) {
        const y = sparkTop + SPARK - (count / most) * (SPARK - 2);
        points.push(x(second) + "," + y, x(Math.min(second + 1, duration())) + "," + y);
      });
      node("polyline", { points: points.join(" "), class: "vt-people", "vector-effect": "non-scaling-stroke" }, svg);
    }
    head = node("line", { x1: 0, x2: 0, y1: 0, y2: HEIGHT, class: "vt-head", "vector-effect": "non-scaling-stroke" }, svg);
    timeline.replaceChildren(svg);
    timeline.setAttribute("data-markers", String(markers));
    document.getElementById("video-axis-end").textContent = clock(duration());
  }

  function showTime() {
    const now = video.currentTime || 0;
    if (head) {
      head.setAttribute("x1", String(x(now)));
      head.setAttribute("x2", String(x(now)));
    }
    timeline.setAttribute("aria-valuenow", now.toFixed(1));
    timeline.setAttribute("aria-valuetext", clock(now));
    if (timeShown) { timeShown.textContent = clock(now) + " of " + clock(duration()); }
  }

  function seek(seconds, play) {
    video.currentTime = Math.max(0, Math.min(seconds, duration()));
    showTime();
    if (play) {
      const started = video.play();
      if (started && started.catch) { started.catch(function () { /* the person presses play */ }); }
    }
  }

  // Synopsis: outside the active segments, jump to the start of the next; after the last, stop.
  function synopsisStep() {
    if (!synopsisBox || !synopsisBox.checked || !segments.length) { return; }
    const now = video.currentTime;
    const inside = segments.some(function (s) { return now >= s[0] && now < s[1]; });
    if (inside) { return; }
    const next = segments.find(function (s) { return s[0] > now; });
    if (next) {
      video.currentTime = next[0];
    } else if (!video.paused) {
      video.pause();
    }
  }
  function watching() {
    synopsisStep();
    showTime();
    if (!video.paused && !video.ended) { window.requestAnimationFrame(watching); }
  }
  function describeSynopsis() {
    const active = segments.reduce(function (sum, s) { return sum + (s[1] - s[0]); }, 0);
    synopsisInfo.textContent = "synopsis: " + (active / 60).toFixed(1) + " of " + (duration() / 60).toFixed(1) +
      " min";
  }

  legend();
  draw();
  showTime();
  if (synopsisBox) {
    describeSynopsis();
    synopsisBox.addEventListener("change", function () {
      timeline.classList.toggle("synopsis", synopsisBox.checked);
      synopsisStep();
      showTime();
    });
  }
  video.addEventListener("play", function () { window.requestAnimationFrame(watching); });
  video.addEventListener("timeupdate", function () { synopsisStep(); showTime(); });
  video.addEventListener("seeked", showTime);
  video.addEventListener("loadedmetadata", function () {
    if (!(data.duration > 0)) { draw(); }
    if (data.start_at !== null && data.start_at !== undefined) { seek(Number(data.start_at), false); }
    timeline.setAttribute("data-ready", "true");
  });
  if (video.readyState >= 1) { video.dispatchEvent(new Event("loadedmetadata")); }

  timeline.addEventListener("click", function (click) {
    const target = click.target.closest ? click.target.closest("[data-from]") : null;
    if (target) { seek(Number(target.getAttribute("data-from")), true); return; }
    const box = timeline.getBoundingClientRect();
    seek(((click.clientX - box.left) / box.width) * duration(), false);
  });
  timeline.addEventListener("keydown", function (key) {
    const steps = { ArrowLeft: -5, ArrowRight: 5, PageDown: -60, PageUp: 60 };
    if (key.key in steps) { seek(video.currentTime + steps[key.key], false); key.preventDefault(); }
    if (key.key === "Home") { seek(0, false); key.preventDefault(); }
    if (key.key === "End") { seek(duration(), false); key.preventDefault(); }
  });
  document.querySelectorAll(".play-from").forEach(function (button) {
    button.addEventListener("click", function () {
      const row = button.closest("tr");
      document.querySelectorAll("#video-events tr.selected").forEach(function (r) { r.classList.remove("selected"); });
      if (row) { row.classList.add("selected"); }
      video.scrollIntoView({ block: "nearest" });
      seek(Number(button.dataset.from), true);
    });
  });
  if (data.selected) {
    const row = document.getElementById("event-" + data.selected);
    if (row) { row.classList.add("selected"); }
  }

  // a decision changes the marker too
  document.addEventListener("video:judged", function (judged) {
    const mark = timeline.querySelector('[data-event="' + judged.detail.event + '"]');
    if (mark) {
      mark.setAttribute("class", mark.getAttribute("class").replace(/status-\w+/, "status-" + judged.detail.status));
    }
  });
});

// --- the review page: decisions through the leads API ----------------------------------------
document.addEventListener("DOMContentLoaded", function () {
  const table = document.getElementById("video-events");
  if (!table || table.dataset.judge !== "true") { return; }
  function say(row, text, bad) {
    const message = row.querySelector(".judge-message");
    message.textContent = text;
    message.classList.toggle("error", Boolean(bad));
  }
  async function problem(response) {
    try {
      const body = await response.json();
      return body.detail || body.title || ("the server answered " + response.status);
    } catch (error) {
      return "the server answered " + response.status;
    }
  }
  async function judge(row, decision) {
    const box = row.querySelector(".reason");
    const reason = box.value.trim();
    if (!reason) {
      say(row, "Give a reason: it is kept with the event and in the audit trail.", true);
      box.focus();
      return;
    }
    const buttons = row.querySelectorAll("[data-decision]");
    buttons.forEach(function (b) { b.disabled = true; });
    say(row, "Sending…", false);
    try {
      const response = await fetch("/api/leads/" + encodeURIComponent(row.dataset.lead) + "/judgements", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Accept": "application/json", "Content-Type": "application/json",
          "X-CSRF-Token": table.dataset.csrf },
        body: JSON.stringify({ decision: decision, reason: reason }),
      });
      if (!response.ok) { say(row, await problem(response), true); return; }
      const lead = await response.json();
      const status = row.querySelector(".lead-status");
      status.textContent = lead.status;
      status.dataset.status = lead.status;
      status.className = "lead-status status-" + lead.status;
      box.value = "";
      say(row, "Recorded: " + lead.status + ".", false);
      document.dispatchEvent(new CustomEvent("video:judged", { detail: { event: row.dataset.event, status: lead.status } }));
    } catch (error) {
      say(row, "Not sent: the connection failed. Try again.", true);
    } finally {
      buttons.forEach(function (b) { b.disabled = false; });
    }
  }
  table.querySelectorAll("tr[data-lead]").forEach(function (row) {
    row.querySelectorAll("[data-decision]").forEach(function (button) {
      button.addEventListener("click", function () { judge(row, button.dataset.decision); });
    });
    row.querySelector(".reason").addEventListener("keydown", function (key) {
      if (key.key === "Enter") { key.preventDefault(); }
    });
  });
});
