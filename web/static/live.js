/* Live page: one server-sent event stream (/api/events) brings the whole board each time
   something on it changes; the page never polls. Rows are updated in place, not rebuilt, so a
   number being typed into a simulation input survives the next update. Plain EventSource,
   fetch and DOM calls: no framework, nothing from the internet. */
"use strict";

(function () {
  const root = document.getElementById("live");
  if (!root) {
    return;
  }
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const simulated = root.dataset.simulated === "true";
  const messageBox = document.getElementById("message");
  const rowsByTable = new WeakMap();
  let board = null;          // the last board the stream sent
  let boardAt = 0;           // when it arrived (Date.now()), to count waits up between updates

  // -- small helpers -------------------------------------------------------------------------

  function shown(value) {
    return value === null || value === undefined || value === "" ? "—" : String(value);
  }

  // The page's language: texts rendered by the server (web/pages.py TEXTS), filled in here.
  const TEXTS = JSON.parse(document.getElementById("live-texts").textContent);

  function say(key, values = {}) {
    return TEXTS[key].replace(/%\((\w+)\)s/g, (_, name) => String(values[name] ?? ""));
  }

  function words(value) {
    return TEXTS.words[value] || shown(value).replace(/_/g, " ");
  }

  function formatTime(iso) {
    if (!iso) {
      return "—";
    }
    const when = new Date(iso);
    return Number.isNaN(when.getTime()) ? iso : when.toLocaleString();
  }

  function localInputValue(iso) {
    const d = new Date(iso);
    const pad = (n) => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}` +
      `T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  }

  function el(tag, props) {
    return Object.assign(document.createElement(tag), props || {});
  }

  function rowWith(count) {
    const row = el("tr");
    for (let i = 0; i < count; i += 1) {
      row.append(el("td"));
    }
    return row;
  }

  function setCells(row, values) {
    values.forEach((value, i) => {
      if (row.cells[i].textContent !== value) {
        row.cells[i].textContent = value;
      }
    });
  }

  function markState(cell, state) {
    cell.className = state ? `state-${state}` : "";
  }

  function cloneTemplate(id) {
    return document.getElementById(id).content.firstElementChild.cloneNode(true);
  }

  function byId(items) {
    return new Map((items || []).map((item) => [item.id, item]));
  }

  function nameOf(map, id) {
    const item = map.get(id);
    return item ? item.name : shown(id);
  }

  // -- talking to the API --------------------------------------------------------------------

  function showMessage(text, isError) {
    messageBox.textContent = text;
    messageBox.className = isError ? "message error" : "message ok";
    messageBox.hidden = !text;
  }

  function describeError(data, response) {
    let text = (data && data.error) ||
      say("answered", {status: `${response.status} ${response.statusText}`});
    const fields = (data && data.fields) || {};
    const details = Object.entries(fields).map(([name, problem]) => `${name}: ${problem}`);
    if (details.length) {
      text += " " + details.join("; ");
    }
    return text;
  }

  async function readJson(response) {
    try {
      return await response.json();
    } catch (err) {
      return null;
    }
  }

  async function send(method, path, body, done) {
    try {
      const response = await fetch(path, {
        method,
        headers: {"Content-Type": "application/json", Accept: "application/json",
                  "X-CSRF-Token": csrf},
        body: body === null ? undefined : JSON.stringify(body || {}),
      });
      if (response.status === 401) {
        window.location.assign("/login");
        return;
      }
      const data = await readJson(response);
      if (!response.ok) {
        showMessage(describeError(data, response), true);
        return;
      }
      showMessage(done, false);
    } catch (err) {
      showMessage(say("unreachable", {error: err.message}), true);
    }
  }

  function post(path, body, done) {
    return send("POST", path, body, done);
  }

  // -- tables ----------------------------------------------------------------------------------

  /* Each cell carries its column's heading, shown beside it when a phone stacks the rows. */
  function labelCells(tbody, row) {
    const headings = tbody.closest("table").querySelectorAll("thead th");
    Array.from(row.cells).forEach((cell, i) => {
      const label = headings[i] ? headings[i].textContent.trim() : "";
      if (label) {
        cell.dataset.label = label;
      }
    });
  }

  /* Make tbody show one row per item, in order, reusing the rows of keys seen before. */
  function syncRows(tbody, items, keyOf, build, update) {
    let rows = rowsByTable.get(tbody);
    if (!rows) {
      rows = new Map();
      rowsByTable.set(tbody, rows);
    }
    const seen = new Set();
    items.forEach((item, index) => {
      const key = keyOf(item);
      seen.add(key);
      let row = rows.get(key);
      if (!row) {
        row = build(item);
        labelCells(tbody, row);
        rows.set(key, row);
      }
      update(row, item);
      if (tbody.children[index] !== row) {
        tbody.insertBefore(row, tbody.children[index] || null);
      }
    });
    rows.forEach((row, key) => {
      if (!seen.has(key)) {
        row.remove();
        rows.delete(key);
      }
    });
    const empty = document.querySelector(`[data-empty-for="${tbody.id}"]`);
    if (empty) {
      empty.hidden = items.length > 0;
    }
  }

  function lineControls(line) {
    const node = cloneTemplate("line-sim");
    const base = `/api/sim/lines/${encodeURIComponent(line.id)}`;
    const form = node.querySelector("form.sim-call");
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const caller = form.elements.caller.value;
      post(`${base}/incoming`, {caller}, say("calling", {caller, line: line.name}));
    });
    node.querySelectorAll("[data-digit]").forEach((button) => {
      const digit = button.dataset.digit;
      button.addEventListener("click", () => {
        post(`${base}/dtmf`, {digits: digit}, say("pressed", {line: line.name, digit}));
      });
    });
    node.querySelector(".sim-hangup").addEventListener("click", () => {
      post(`${base}/hangup`, {}, say("caller_hung_up", {line: line.name}));
    });
    return node;
  }

  function renderLines(status, calls) {
    const count = simulated ? 4 : 3;
    syncRows(document.getElementById("lines"), status.lines || [], (line) => line.id,
      (line) => {
        const row = rowWith(count);
        if (simulated) {
          row.cells[3].append(lineControls(line));
        }
        return row;
      },
      (row, line) => {
        const call = calls.get(line.call_id);
        const state = words(line.state) + (line.reason ? ` (${line.reason})` : "");
        setCells(row, [`${shown(line.name)} · ${words(line.kind)}`, state,
          call ? shown(call.caller) : "—"]);
        markState(row.cells[1], line.state);
      });
  }

  function presenceButtons(agent) {
    const box = el("span", {className: "buttons"});
    [["available", say("set_available")], ["away", say("set_away")]].forEach(([value, label]) => {
      const button = el("button", {type: "button", textContent: label});
      button.dataset.presence = value;
      button.addEventListener("click", () => {
        post(`/api/agents/${encodeURIComponent(agent.id)}/presence`, {presence: value},
          say("presence_now", {agent: agent.name, presence: words(value)}));
      });
      box.append(button);
    });
    return box;
  }

  function stationControls(station) {
    const node = cloneTemplate("station-sim");
    const base = `/api/sim/stations/${encodeURIComponent(station.id)}`;
    const said = {offhook: "picked_up", onhook: "put_down", flash: "flashed"};
    node.querySelectorAll("[data-hook]").forEach((button) => {
      const action = button.dataset.hook;
      button.addEventListener("click", () => {
        post(`${base}/${action}`, {}, say(said[action], {handset: station.name}));
      });
    });
    node.querySelectorAll("[data-code]").forEach((button) => {
      button.addEventListener("click", () => {
        post(`${base}/dial`, {digits: button.dataset.code},
          say("dialled", {handset: station.name, digits: button.dataset.code}));
      });
    });
    if (station.kind === "sip") {
      node.querySelectorAll("[data-code], [data-hook='flash']").forEach((b) => b.remove());
    }
    return node;
  }

  /* One row per handset with the agent sitting at it, then agents without a handset. */
  function pairs(status) {
    const agents = status.agents || [];
    const rows = (status.stations || []).map((station) => ({
      station, agent: agents.find((a) => a.station === station.id) || null,
    }));
    agents.filter((agent) => !rows.some((r) => r.agent === agent))
      .forEach((agent) => rows.push({station: null, agent}));
    return rows;
  }

  function hookText(station) {
    if (!station) {
      return "—";
    }
    if (station.online === false) {
      return words("offline") + (station.reason ? ` (${station.reason})` : "");
    }
    if (station.hook === "off") {
      return station.held ? say("on_hold") : say("off_hook");
    }
    return say("on_hook");
  }

  function renderPeople(status) {
    syncRows(document.getElementById("people"), pairs(status),
      (p) => `${p.station ? p.station.id : ""}|${p.agent ? p.agent.id : ""}`,
      (p) => {
        const row = rowWith(7);
        if (p.agent) {
          row.cells[6].append(presenceButtons(p.agent));
        }
        if (simulated && p.station) {
          row.cells[6].append(stationControls(p.station));
        }
        return row;
      },
      (row, p) => {
        const {station, agent} = p;
        setCells(row, [
          station ? `${shown(station.name)}${station.kind ? ` · ${words(station.kind)}` : ""}`
            : say("no_handset"), hookText(station),
          station ? (station.ringing ? words("ringing") : say("no")) : "—",
          agent ? shown(agent.name) : say("nobody"), agent ? words(agent.presence) : "—",
          agent ? words(agent.state) : "—",
        ]);
        markState(row.cells[2], station && station.ringing ? "ringing" : "");
        markState(row.cells[5], agent ? agent.state : "");
        row.querySelectorAll("[data-presence]").forEach((button) => {
          button.disabled = agent !== null && button.dataset.presence === agent.presence;
        });
      });
  }

  function waited(call) {
    const waiting = call.state === "queued" || call.state === "offered";
    const extra = waiting ? (Date.now() - boardAt) / 1000 : 0;
    return `${Math.round(call.wait_s + extra)} s` +
      (call.position ? " · " + say("in_line", {position: call.position}) : "");
  }

  function renderCalls(status, lines, agents) {
    syncRows(document.getElementById("calls"), status.calls || [], (call) => call.id,
      () => rowWith(7),
      (row, call) => {
        setCells(row, [nameOf(lines, call.line), shown(call.caller), words(call.state),
          shown(call.hearing_text), shown(call.team),
          call.agent ? nameOf(agents, call.agent) : "—", waited(call)]);
        markState(row.cells[2], call.state);
      });
  }

  /* Waits grow between updates: the page counts them up itself instead of asking. */
  setInterval(() => {
    if (board) {
      document.querySelectorAll("#calls tr").forEach((row, i) => {
        const call = board.calls[i];
        if (call && row.cells[6].textContent !== waited(call)) {
          row.cells[6].textContent = waited(call);
        }
      });
    }
  }, 1000);

  function overrideButton(text, action) {
    const button = el("button", {type: "button", textContent: text});
    button.addEventListener("click", action);
    return button;
  }

  /* "Closed now" / "open now" for the chosen time; then the hours take over again. */
  function hoursControls(hours) {
    const box = el("span", {className: "buttons"});
    const path = `/api/schedules/${encodeURIComponent(hours.id)}/override`;
    if (hours.by_hand) {
      box.append(overrideButton(say("resume"), () => send("DELETE", path, null,
        say("resumed", {name: hours.name}))));
      return box;
    }
    const select = cloneTemplate("override-for");
    select.id = `for-${hours.id}`;
    const label = el("label", {htmlFor: select.id, textContent: say("for")});
    const open = !hours.open;
    box.append(overrideButton(open ? say("open_now") : say("close_now"), () => {
      const now = Date.parse(board.time) + (Date.now() - boardAt);
      const until = new Date(now + Number(select.value) * 60000).toISOString();
      send("PUT", path, {open, until}, say(open ? "opened" : "closed", {name: hours.name}));
    }), label, select);
    return box;
  }

  function renderHours(hours) {
    syncRows(document.getElementById("hours"), hours || [],
      (h) => `${h.id}|${h.open}|${h.by_hand}`,
      (h) => {
        const row = rowWith(3);
        row.cells[2].append(hoursControls(h));
        return row;
      },
      (row, h) => {
        setCells(row, [shown(h.name), h.sentence]);
        markState(row.cells[1], h.open ? "open" : "closed");
      });
  }

  function renderToday(today) {
    const fill = (name, value) => {
      const cell = document.querySelector(`[data-figure="${name}"]`);
      if (cell && cell.textContent !== value) {
        cell.textContent = value;
      }
    };
    const seconds = (value) => (value === null || value === undefined ? "—" : `${value} s`);
    ["offered", "answered", "abandoned"].forEach((name) => fill(name, String(today[name])));
    fill("average_wait_s", seconds(today.average_wait_s));
    fill("longest_wait_s", seconds(today.longest_wait_s));
    fill("service_level", today.service_level === null ? "—" :
      `${Math.round(today.service_level * 100)} %`);
    fill("within", say("within", {seconds: today.service_level_s}));
  }

  function renderHistory(records, lines, agents, heard) {
    syncRows(document.getElementById("history"), records || [], (call) => call.id,
      () => rowWith(simulated ? 9 : 8),
      (row, call) => {
        setCells(row, [formatTime(call.ended), nameOf(lines, call.line), shown(call.caller),
          words(call.outcome), shown(call.team), call.agent ? nameOf(agents, call.agent) : "—",
          shown(call.wait_s), shown(call.talk_s)]);
        if (simulated) {
          setListenLink(row.cells[8], recordingOf(call, heard || []));
        }
      });
  }

  // The demo keeps a WAV per call of what the caller heard; match it by line and time.
  function recordingOf(call, heard) {
    const from = Date.parse(call.started) - 2000;
    const to = Date.parse(call.ended) + 1000;
    return heard.find((r) => r.line === call.line &&
      Date.parse(r.started + "Z") >= from && Date.parse(r.started + "Z") <= to);
  }

  function setListenLink(cell, recording) {
    const href = recording ? `/api/sim/heard/${encodeURIComponent(recording.name)}` : "";
    const link = cell.querySelector("a");
    if (!recording) {
      cell.textContent = "—";
    } else if (!link || link.getAttribute("href") !== href) {
      const a = document.createElement("a");
      a.href = href;
      a.textContent = say("listen");
      cell.replaceChildren(a);
    }
  }

  function renderWarnings(status) {
    const list = document.getElementById("warnings");
    const items = status.warnings || [];
    list.hidden = items.length === 0;
    if (list.dataset.shown !== JSON.stringify(items)) {
      list.dataset.shown = JSON.stringify(items);
      list.replaceChildren(...items.map((text) => {
        const li = document.createElement("li");
        li.textContent = text;
        return li;
      }));
    }
  }

  function renderClock(status) {
    const clock = document.getElementById("clock");
    clock.textContent = formatTime(status.time);
    clock.title = shown(status.time);
    document.getElementById("clock-source").textContent =
      status.clock_source ? say("set_by", {source: status.clock_source}) : "";
    const input = document.getElementById("sim-clock-input");
    if (input && !input.value && document.activeElement !== input && status.time) {
      input.value = localInputValue(status.time);
    }
  }

  function setConnection(connected) {
    const box = document.getElementById("connection");
    box.textContent = connected ? say("live") : say("disconnected");
    box.className = connected ? "muted" : "message error";
    root.dataset.connected = String(connected);
  }

  // -- the loop ----------------------------------------------------------------------------------

  /* Tell screen readers when a handset starts ringing (the tables change silently). */
  let ringingBefore = null;
  function announceRinging(status) {
    const now = new Set((status.stations || []).filter((s) => s.ringing).map((s) => s.id));
    const started = ringingBefore === null ? [] :
      (status.stations || []).filter((s) => now.has(s.id) && !ringingBefore.has(s.id));
    if (started.length) {
      document.getElementById("announce").textContent =
        started.map((s) => say("now_ringing", {handset: s.name})).join(" ");
    }
    ringingBefore = now;
  }

  function render(doc) {
    board = doc;
    boardAt = Date.now();
    const lines = byId(doc.lines);
    const agents = byId(doc.agents);
    renderClock(doc);
    renderWarnings(doc);
    renderHours(doc.hours);
    renderToday(doc.today);
    renderLines(doc, byId(doc.calls));
    renderPeople(doc);
    announceRinging(doc);
    renderCalls(doc, lines, agents);
    renderHistory(doc.recent, lines, agents, doc.heard);
    setConnection(true);
  }

  /* EventSource reconnects by itself after a network error; a refused stream (logged out,
     too many boards) closes it for good, so the page tries again itself, slowly. */
  function listen() {
    const stream = new EventSource("/api/events");
    stream.addEventListener("board", (event) => render(JSON.parse(event.data)));
    stream.addEventListener("error", async () => {
      setConnection(false);
      if (stream.readyState === EventSource.CLOSED) {
        const answer = await fetch("/api/status", {cache: "no-store"}).catch(() => null);
        if (answer && answer.status === 401) {
          window.location.assign("/login");
          return;
        }
        setTimeout(listen, 5000);
      }
    });
  }

  const clockForm = document.getElementById("sim-clock");
  if (clockForm) {
    clockForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const value = document.getElementById("sim-clock-input").value;
      const when = new Date(value);
      if (Number.isNaN(when.getTime())) {
        showMessage(say("choose_date"), true);
        return;
      }
      post("/api/sim/clock", {now: when.toISOString()}, say("clock_set", {when: value}));
    });
  }

  listen();
}());
