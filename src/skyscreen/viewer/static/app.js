// skyscreen viewer: a replay of one recorded replication of a run, on a canvas in the
// scenario's local metres (x east, y north). Plain JavaScript, no dependencies; the
// data comes from the local server's /api/run and /api/replication/<id>.
(() => {
  "use strict";

  // ------------------------------------------------------------------ constants

  const COLORS = {
    grid: "#17222d",
    gridMajor: "#1f2d3b",
    gridLabel: "#4d6073",
    radar: "#3fb6ff",
    camera: "#ffd166",
    rf_detector: "#c792ea",
    gun: "#ff9f43",
    missile: "#ff6b6b",
    jammer: "#b57cff",
    laser: "#2ee59d",
    microwave: "#f78fb3",
    interceptor: "#54a0ff",
    asset: "#dfe7ef",
    assetDamaged: "#ff4d4f",
    undetected: "#9aa7b4",
    detected: "#ffb020",
    neutralised: "#b57cff",
    killed: "#2ee59d",
    defeated: "#b57cff",
    leaked: "#ff4d4f",
    expended: "#9aa7b4",
    airborne: "#ffb020",
    track: "#5ce1e6",
    route: "#6c7f93",
  };
  const SENSOR_COLOR = (k) => COLORS[k] || "#8fd3ff";
  const EFFECTOR_COLOR = (k) => COLORS[k] || "#ffa07a";

  const LAYERS = [
    ["grid", "Grid", true, "#4d6073"],
    ["coverage", "Sensor coverage", true, COLORS.radar],
    ["envelopes", "Weapon envelopes", true, COLORS.gun],
    ["assets", "Assets", true, COLORS.asset],
    ["units", "Sensors & weapons", true, "#8fa3b8"],
    ["routes", "Raid routes", true, COLORS.route],
    ["trails", "Trails", true, COLORS.detected],
    ["drones", "Drones", true, COLORS.detected],
    ["picture", "Air picture", true, COLORS.track],
    ["shots", "Engagements", true, COLORS.missile],
    ["markers", "Kills & impacts", true, COLORS.killed],
    ["labels", "Labels", true, "#c0ccd8"],
  ];

  const KEY_EVENTS = new Set([
    "launch", "detect", "identify", "fire", "cancel", "miss", "kill", "leak",
    "damage", "link_lost", "gnss_lost", "defeated", "expended",
  ]);
  const OUTCOME_EVENTS = new Set([
    "kill", "leak", "damage", "link_lost", "gnss_lost", "defeated", "expended",
  ]);
  const GRID_STEPS = [10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000];

  // ------------------------------------------------------------------ state

  const S = {
    meta: null,
    rep: null, // the prepared replication
    repCache: new Map(),
    t: 0,
    tEnd: 1,
    playing: false,
    speed: 8,
    trail: 120,
    view: { cx: 0, cy: 0, scale: 0.02 },
    layers: Object.fromEntries(LAYERS.map(([k, , on]) => [k, on])),
    coverage: 0,
    eventFilter: "key",
    hits: [],
    hover: null,
    mouse: null,
    focus: null, // { drone, until }
    lastFrame: null,
    frames: 0,
    ready: false,
    loading: false,
    dpr: 1,
    chartSeries: null,
    evRows: [],
    evCurrent: -1,
  };

  const $ = (id) => document.getElementById(id);
  const canvas = $("map");
  const ctx = canvas.getContext("2d");
  const chart = $("chart");
  const cctx = chart.getContext("2d");

  // ------------------------------------------------------------------ formatting

  function fmtClock(t) {
    if (!Number.isFinite(t)) return "—";
    const neg = t < 0;
    t = Math.abs(t);
    const h = Math.floor(t / 3600);
    const m = Math.floor((t % 3600) / 60);
    const s = Math.floor(t % 60);
    const pad = (n) => String(n).padStart(2, "0");
    const body = h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${pad(m)}:${pad(s)}`;
    return (neg ? "T−" : "T+") + body;
  }
  function fmtMoney(v) {
    if (v === null || v === undefined || !Number.isFinite(v)) return "—";
    const a = Math.abs(v);
    if (a >= 1e9) return `$${(v / 1e9).toFixed(2)}B`;
    if (a >= 1e6) return `$${(v / 1e6).toFixed(a >= 1e8 ? 0 : 1)}M`;
    if (a >= 1e3) return `$${(v / 1e3).toFixed(0)}k`;
    return `$${v.toFixed(0)}`;
  }
  function fmtDist(m) {
    if (m === null || m === undefined || !Number.isFinite(m)) return "—";
    return Math.abs(m) >= 1000 ? `${(m / 1000).toFixed(2)} km` : `${m.toFixed(0)} m`;
  }
  function fmtPct(p) {
    return p === null || p === undefined ? "—" : `${(100 * p).toFixed(p < 0.1 ? 1 : 0)}%`;
  }
  const fmtT = (t) => (t === null || t === undefined ? "—" : `${fmtClock(t)} (${t.toFixed(1)} s)`);
  const droneName = (d) => `D${d}`;

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // ------------------------------------------------------------------ geometry

  function toScreen(x, y) {
    const w = canvas.clientWidth;
    const h = canvas.clientHeight;
    return [w / 2 + (x - S.view.cx) * S.view.scale, h / 2 - (y - S.view.cy) * S.view.scale];
  }
  function toWorld(sx, sy) {
    const w = canvas.clientWidth;
    const h = canvas.clientHeight;
    return [S.view.cx + (sx - w / 2) / S.view.scale, S.view.cy - (sy - h / 2) / S.view.scale];
  }

  function fitBounds(b, pad = 0.08) {
    const w = Math.max(canvas.clientWidth, 50);
    const h = Math.max(canvas.clientHeight, 50);
    const bw = Math.max(b.x1 - b.x0, 200);
    const bh = Math.max(b.y1 - b.y0, 200);
    S.view.cx = (b.x0 + b.x1) / 2;
    S.view.cy = (b.y0 + b.y1) / 2;
    S.view.scale = Math.min(w / (bw * (1 + 2 * pad)), h / (bh * (1 + 2 * pad)));
  }

  function boundsOf(points) {
    const b = { x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity };
    for (const [x, y] of points) {
      if (x === null || y === null || !Number.isFinite(x) || !Number.isFinite(y)) continue;
      b.x0 = Math.min(b.x0, x);
      b.x1 = Math.max(b.x1, x);
      b.y0 = Math.min(b.y0, y);
      b.y1 = Math.max(b.y1, y);
    }
    if (!Number.isFinite(b.x0)) return { x0: -1000, y0: -1000, x1: 1000, y1: 1000 };
    return b;
  }

  function defenceBounds() {
    const m = S.meta;
    const pts = [];
    for (const a of m.assets) pts.push([a.x - a.radius_m, a.y - a.radius_m], [a.x + a.radius_m, a.y + a.radius_m]);
    for (const u of m.sensors.concat(m.effectors)) pts.push([u.x, u.y]);
    for (const e of m.effectors) {
      const r = e.range_max_m || 0;
      pts.push([e.x - r, e.y - r], [e.x + r, e.y + r]);
    }
    return boundsOf(pts);
  }

  function allBounds() {
    const pts = [];
    const d = defenceBounds();
    pts.push([d.x0, d.y0], [d.x1, d.y1]);
    if (S.rep) {
      for (const tr of S.rep.traj) {
        if (!tr) continue;
        for (let k = 0; k < tr.n; k += Math.max(1, Math.floor(tr.n / 20))) pts.push([tr.x[k], tr.y[k]]);
        pts.push([tr.x[tr.n - 1], tr.y[tr.n - 1]]);
      }
    }
    for (const r of S.meta.raids) pts.push([r.launch_x, r.launch_y]);
    return boundsOf(pts);
  }

  // ------------------------------------------------------------------ data

  async function fetchJSON(url) {
    const res = await fetch(url, { headers: { Accept: "application/json" } });
    if (!res.ok) {
      const text = (await res.text()).trim();
      throw new Error(text || `${res.status} ${res.statusText}`);
    }
    return res.json();
  }

  function prepareReplication(raw) {
    const m = S.meta;
    const dr = raw.drones;
    const n = dr.drone.length;
    const drones = [];
    for (let i = 0; i < n; i++) {
      drones.push({
        id: dr.drone[i],
        raid: dr.raid[i],
        cls: dr.class[i],
        target: dr.target_asset[i],
        state: dr.state[i],
        cause: dr.cause[i],
        effector: dr.effector[i],
        tLaunch: dr.t_launch_s[i],
        tDetect: dr.t_first_detect_s[i],
        tIdent: dr.t_identified_s[i],
        tShot: dr.t_first_shot_s[i],
        tEnd: dr.t_end_s[i],
        xEnd: dr.x_end_m[i],
        yEnd: dr.y_end_m[i],
        zEnd: dr.z_end_m[i],
        miss: dr.miss_m[i],
        linkLost: null,
      });
    }
    const byId = new Map(drones.map((d) => [d.id, d]));
    const traj = [];
    let tLast = 0;
    for (const tr of raw.trajectories) {
      const k = tr.x.length;
      const t = tr.t ? Float64Array.from(tr.t) : null;
      const prepared = {
        drone: tr.drone,
        n: k,
        t0: t ? t[0] : tr.t0,
        dt: t ? null : tr.dt,
        t,
        x: Float64Array.from(tr.x, (v) => (v === null ? NaN : v)),
        y: Float64Array.from(tr.y, (v) => (v === null ? NaN : v)),
        z: Float64Array.from(tr.z, (v) => (v === null ? NaN : v)),
        states: tr.states, // [[k, state], ...]
      };
      prepared.tFirst = prepared.t0;
      prepared.tLast = t ? t[k - 1] : tr.t0 + (k - 1) * tr.dt;
      tLast = Math.max(tLast, prepared.tLast);
      traj[tr.drone] = prepared;
      const d = byId.get(tr.drone);
      if (d) d.traj = prepared;
    }
    // Events, shots (fire -> resolution), soft kills.
    let events = [];
    const shots = [];
    if (raw.events) {
      const e = raw.events;
      for (let i = 0; i < e.t_s.length; i++) {
        events.push({
          i,
          t: e.t_s[i],
          kind: e.kind[i],
          drone: e.drone[i],
          who: e.who[i],
          x: e.x[i],
          y: e.y[i],
          z: e.z[i],
          outcome: e.outcome[i],
          rounds: e.rounds[i],
          pk: e.pk[i],
        });
      }
      const open = new Map();
      for (const ev of events) {
        const key = `${ev.who}|${ev.drone}`;
        if (ev.kind === "fire") {
          const s = { t0: ev.t, t1: null, who: ev.who, drone: ev.drone, x: ev.x, y: ev.y, rounds: ev.rounds, result: null };
          shots.push(s);
          if (!open.has(key)) open.set(key, []);
          open.get(key).push(s);
        } else if (ev.kind === "kill" || ev.kind === "miss") {
          const q = open.get(key);
          if (q && q.length) {
            const s = q.shift();
            s.t1 = ev.t;
            s.result = ev.kind;
            if (ev.kind === "kill") { s.xk = ev.x; s.yk = ev.y; }
          }
        } else if (ev.kind === "link_lost") {
          const d = byId.get(ev.drone);
          if (d && d.linkLost === null) d.linkLost = ev.t;
        }
        if (Number.isFinite(ev.t)) tLast = Math.max(tLast, ev.t);
      }
      for (const s of shots) {
        if (s.t1 === null) {
          const d = byId.get(s.drone);
          const end = d && d.tEnd !== null ? d.tEnd : s.t0 + 3;
          s.t1 = Math.min(Math.max(end, s.t0 + 0.5), s.t0 + 60);
        }
      }
    }
    // Final markers from the drones table (they exist without the event log too).
    const markers = [];
    for (const d of drones) {
      if (d.tEnd === null || d.xEnd === null) continue;
      if (["killed", "defeated", "leaked", "expended"].includes(d.state)) {
        markers.push({ t: d.tEnd, kind: d.state, x: d.xEnd, y: d.yEnd, drone: d.id, who: d.effector, cause: d.cause });
        tLast = Math.max(tLast, d.tEnd);
      }
    }
    for (const ev of events) {
      if (ev.kind === "link_lost" && ev.x !== null) markers.push({ t: ev.t, kind: "link_lost", x: ev.x, y: ev.y, drone: ev.drone, who: ev.who });
      if (ev.kind === "damage" && ev.x !== null) markers.push({ t: ev.t, kind: "damage", x: ev.x, y: ev.y, drone: ev.drone, asset: ev.outcome.replace(/^damaged:/, "") });
    }
    markers.sort((a, b) => a.t - b.t);
    // Damage per asset over time.
    const damagedAt = new Map();
    for (const mk of markers) if (mk.kind === "damage" && !damagedAt.has(mk.asset)) damagedAt.set(mk.asset, mk.t);
    // Air picture.
    const tracks = [];
    if (raw.picture) {
      for (const tr of raw.picture) {
        tracks.push({
          id: tr.track,
          t: Float64Array.from(tr.t),
          x: Float64Array.from(tr.x, (v) => (v === null ? NaN : v)),
          y: Float64Array.from(tr.y, (v) => (v === null ? NaN : v)),
          vx: Float64Array.from(tr.vx, (v) => (v === null ? 0 : v)),
          vy: Float64Array.from(tr.vy, (v) => (v === null ? 0 : v)),
          sigma: Float64Array.from(tr.sigma, (v) => (v === null ? NaN : v)),
          confirmed: tr.confirmed,
        });
      }
    }
    const tEnd = Math.min(m.duration_s, Math.max(tLast + 15, 30));
    events = events.filter((ev) => Number.isFinite(ev.t));
    return {
      id: raw.replication,
      drones,
      byId,
      traj,
      events,
      shots,
      markers,
      damagedAt,
      tracks,
      assets: raw.assets || {},
      nDecisions: raw.events ? raw.events.n_decisions : null,
      hasEvents: raw.events !== null,
      hasPicture: raw.picture !== null && raw.picture !== undefined,
      tEnd,
      summary: m.replication_summaries.find((r) => r.id === raw.replication) || null,
    };
  }

  // Position of a trajectory at time t (interpolated), or null outside it.
  function sampleAt(tr, t) {
    if (!tr || t < tr.tFirst - 1e-9 || t > tr.tLast + 1e-9) return null;
    let k;
    let f;
    if (tr.t) {
      let lo = 0;
      let hi = tr.n - 1;
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (tr.t[mid] <= t) lo = mid; else hi = mid;
      }
      k = lo;
      const span = tr.n > 1 ? tr.t[hi] - tr.t[lo] : 1;
      f = span > 0 ? Math.min(Math.max((t - tr.t[lo]) / span, 0), 1) : 0;
    } else {
      const u = (t - tr.t0) / tr.dt;
      k = Math.min(Math.max(Math.floor(u), 0), tr.n - 1);
      f = k >= tr.n - 1 ? 0 : u - k;
    }
    const k2 = Math.min(k + 1, tr.n - 1);
    const x = tr.x[k] + (tr.x[k2] - tr.x[k]) * f;
    const y = tr.y[k] + (tr.y[k2] - tr.y[k]) * f;
    const z = tr.z[k] + (tr.z[k2] - tr.z[k]) * f;
    // heading and speed from the neighbouring samples
    const ka = Math.max(0, k2 - 1);
    const dx = tr.x[k2] - tr.x[ka];
    const dy = tr.y[k2] - tr.y[ka];
    const dz = tr.z[k2] - tr.z[ka];
    const dtk = tr.t ? tr.t[k2] - tr.t[ka] : tr.dt * (k2 - ka);
    const speed = dtk > 0 ? Math.hypot(dx, dy) / dtk : 0;
    const climb = dtk > 0 ? dz / dtk : 0;
    return { x, y, z, k, heading: Math.atan2(dy, dx), moving: Math.hypot(dx, dy) > 1e-6, speed, climb, state: stateAt(tr, k) };
  }

  function stateAt(tr, k) {
    let s = tr.states.length ? tr.states[0][1] : "flying";
    for (const [k0, st] of tr.states) {
      if (k0 <= k) s = st; else break;
    }
    return s;
  }

  function timeOfSample(tr, k) {
    return tr.t ? tr.t[k] : tr.t0 + k * tr.dt;
  }

  // ------------------------------------------------------------------ drawing

  function resize() {
    S.dpr = window.devicePixelRatio || 1;
    for (const c of [canvas, chart]) {
      const w = Math.max(1, Math.round(c.clientWidth * S.dpr));
      const h = Math.max(1, Math.round(c.clientHeight * S.dpr));
      if (c.width !== w || c.height !== h) {
        c.width = w;
        c.height = h;
      }
    }
  }

  function withAlpha(hex, a) {
    const n = parseInt(hex.slice(1), 16);
    return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${a})`;
  }

  function drawGrid(w, h) {
    const target = 110 / S.view.scale; // metres per ~110 px
    let step = GRID_STEPS[GRID_STEPS.length - 1];
    for (const s of GRID_STEPS) if (s >= target) { step = s; break; }
    const [x0, y1] = toWorld(0, 0);
    const [x1, y0] = toWorld(w, h);
    ctx.lineWidth = 1;
    ctx.font = "10px ui-monospace, Menlo, Consolas, monospace";
    ctx.fillStyle = COLORS.gridLabel;
    ctx.textBaseline = "top";
    for (let x = Math.ceil(x0 / step) * step; x <= x1; x += step) {
      const [sx] = toScreen(x, 0);
      ctx.strokeStyle = Math.abs(x) < 1e-6 ? COLORS.gridMajor : COLORS.grid;
      ctx.beginPath();
      ctx.moveTo(Math.round(sx) + 0.5, 0);
      ctx.lineTo(Math.round(sx) + 0.5, h);
      ctx.stroke();
      ctx.fillText(gridLabel(x), sx + 3, 4);
    }
    ctx.textBaseline = "bottom";
    for (let y = Math.ceil(y0 / step) * step; y <= y1; y += step) {
      const [, sy] = toScreen(0, y);
      ctx.strokeStyle = Math.abs(y) < 1e-6 ? COLORS.gridMajor : COLORS.grid;
      ctx.beginPath();
      ctx.moveTo(0, Math.round(sy) + 0.5);
      ctx.lineTo(w, Math.round(sy) + 0.5);
      ctx.stroke();
      ctx.fillText(gridLabel(y), 4, sy - 2);
    }
    return step;
  }
  function gridLabel(v) {
    if (Math.abs(v) < 1e-6) return "0";
    return Math.abs(v) >= 1000 ? `${+(v / 1000).toFixed(1)} km` : `${v} m`;
  }

  function drawScaleBar(w, h) {
    const target = 120 / S.view.scale;
    let step = GRID_STEPS[0];
    for (const s of GRID_STEPS) if (s <= target) step = s;
    const px = step * S.view.scale;
    const x = w - 24 - px;
    const y = h - 30;
    ctx.strokeStyle = "#9fb0c2";
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(x, y - 5);
    ctx.lineTo(x, y);
    ctx.lineTo(x + px, y);
    ctx.lineTo(x + px, y - 5);
    ctx.stroke();
    ctx.fillStyle = "#9fb0c2";
    ctx.font = "11px system-ui, sans-serif";
    ctx.textAlign = "center";
    ctx.textBaseline = "bottom";
    ctx.fillText(gridLabel(step), x + px / 2, y - 4);
    // north arrow
    const nx = w - 26;
    const ny = 96;
    ctx.beginPath();
    ctx.moveTo(nx, ny - 14);
    ctx.lineTo(nx + 6, ny + 4);
    ctx.lineTo(nx, ny);
    ctx.lineTo(nx - 6, ny + 4);
    ctx.closePath();
    ctx.fill();
    ctx.textBaseline = "bottom";
    ctx.fillText("N", nx, ny - 15);
    ctx.textAlign = "left";
  }

  // An annulus or annular sector in world metres.
  function pathBand(x, y, r0, r1, az, half) {
    const [sx, sy] = toScreen(x, y);
    const R1 = r1 * S.view.scale;
    const R0 = Math.max(0, r0 * S.view.scale);
    ctx.beginPath();
    if (half === null || half === undefined || half >= Math.PI - 1e-9) {
      ctx.arc(sx, sy, R1, 0, 2 * Math.PI);
      if (R0 > 0.5) {
        ctx.moveTo(sx + R0, sy);
        ctx.arc(sx, sy, R0, 0, 2 * Math.PI, true);
      }
    } else {
      // canvas angles grow clockwise (y down): negate the math angle
      const a0 = -(az + half);
      const a1 = -(az - half);
      ctx.arc(sx, sy, R1, a0, a1);
      if (R0 > 0.5) ctx.arc(sx, sy, R0, a1, a0, true);
      else ctx.lineTo(sx, sy);
      ctx.closePath();
    }
  }

  function drawCoverage() {
    const cov = S.meta.coverage[S.coverage];
    if (!cov) return;
    const pos = new Map(S.meta.sensors.map((s) => [s.id, s]));
    for (const s of cov.sensors) {
      const u = pos.get(s.id);
      if (!u || !s.intervals_m.length) continue;
      const col = SENSOR_COLOR(s.kind);
      const hovered = S.hover && S.hover.type === "sensor" && S.hover.ref.id === s.id;
      for (const [lo, hi] of s.intervals_m) {
        pathBand(u.x, u.y, lo, hi, s.azimuth_rad, s.half_sector_rad);
        ctx.fillStyle = withAlpha(col, hovered ? 0.14 : 0.05);
        ctx.fill("evenodd");
        ctx.strokeStyle = withAlpha(col, hovered ? 0.9 : 0.45);
        ctx.lineWidth = hovered ? 2 : 1;
        ctx.setLineDash([6, 4]);
        ctx.stroke();
        ctx.setLineDash([]);
      }
    }
  }

  function drawEnvelopes() {
    for (const e of S.meta.effectors) {
      if (!e.range_max_m) continue;
      const col = EFFECTOR_COLOR(e.kind);
      const hovered = S.hover && S.hover.type === "effector" && S.hover.ref.id === e.id;
      pathBand(e.x, e.y, e.range_min_m || 0, e.range_max_m, e.azimuth_rad, e.half_sector_rad);
      ctx.fillStyle = withAlpha(col, hovered ? 0.12 : 0.02);
      ctx.fill("evenodd");
      ctx.strokeStyle = withAlpha(col, hovered ? 0.95 : 0.42);
      ctx.lineWidth = hovered ? 2 : 1;
      ctx.stroke();
    }
  }

  function drawRoutes() {
    const m = S.meta;
    const assets = new Map(m.assets.map((a) => [a.id, a]));
    const sites = new Map(m.sites.map((s) => [s.id, s]));
    ctx.lineWidth = 1;
    for (const r of m.raids) {
      const pts = [[r.launch_x, r.launch_y], ...r.route];
      const tgt = r.target_asset ? assets.get(r.target_asset) : sites.get(r.target_site) || m.sites[0];
      if (tgt) pts.push([tgt.x, tgt.y]);
      ctx.strokeStyle = withAlpha(COLORS.route, 0.55);
      ctx.setLineDash([3, 6]);
      ctx.beginPath();
      pts.forEach(([x, y], i) => {
        const [sx, sy] = toScreen(x, y);
        if (i === 0) ctx.moveTo(sx, sy); else ctx.lineTo(sx, sy);
      });
      ctx.stroke();
      ctx.setLineDash([]);
      const [lx, ly] = toScreen(r.launch_x, r.launch_y);
      const lr = Math.max(r.launch_radius_m * S.view.scale, 5);
      ctx.strokeStyle = withAlpha(COLORS.route, 0.8);
      ctx.setLineDash([2, 3]);
      ctx.beginPath();
      ctx.arc(lx, ly, lr, 0, 2 * Math.PI);
      ctx.stroke();
      ctx.setLineDash([]);
      for (const [x, y] of r.route) {
        const [sx, sy] = toScreen(x, y);
        ctx.fillStyle = withAlpha(COLORS.route, 0.8);
        ctx.fillRect(sx - 2, sy - 2, 4, 4);
      }
      S.hits.push({ type: "raid", ref: r, sx: lx, sy: ly, r: Math.max(lr, 8), prio: 1 });
      if (S.layers.labels) {
        ctx.fillStyle = "#8ea1b5";
        ctx.font = "11px system-ui, sans-serif";
        ctx.textAlign = "center";
        ctx.fillText(`${r.id} · ${r.count}× ${r.class}`, lx, ly - lr - 5);
        ctx.textAlign = "left";
      }
    }
  }

  function assetRadiusPx(a) {
    const maxV = S.meta.maxAssetValue || 1;
    const px = 4 + 9 * Math.sqrt(Math.max(a.value_usd || 0, 0) / maxV);
    return Math.max(px, (a.radius_m || 0) * S.view.scale);
  }

  function drawAssets() {
    const rep = S.rep;
    for (const a of S.meta.assets) {
      const [sx, sy] = toScreen(a.x, a.y);
      const r = assetRadiusPx(a);
      const tDam = rep ? rep.damagedAt.get(a.id) : undefined;
      const damaged = tDam !== undefined && tDam <= S.t;
      const col = damaged ? COLORS.assetDamaged : COLORS.asset;
      ctx.beginPath();
      ctx.arc(sx, sy, r, 0, 2 * Math.PI);
      ctx.fillStyle = withAlpha(col, damaged ? 0.35 : 0.16);
      ctx.fill();
      ctx.lineWidth = 1.5;
      ctx.strokeStyle = withAlpha(col, 0.9);
      ctx.stroke();
      // occupied: a dot in the middle
      if (a.occupancy > 0) {
        ctx.beginPath();
        ctx.arc(sx, sy, 2, 0, 2 * Math.PI);
        ctx.fillStyle = col;
        ctx.fill();
      }
      if (damaged && S.t - tDam < 6) {
        const f = (S.t - tDam) / 6;
        ctx.beginPath();
        ctx.arc(sx, sy, r + 4 + 22 * f, 0, 2 * Math.PI);
        ctx.strokeStyle = withAlpha(COLORS.assetDamaged, 1 - f);
        ctx.lineWidth = 2;
        ctx.stroke();
      }
      S.hits.push({ type: "asset", ref: a, sx, sy, r: Math.max(r, 6), prio: 2 });
      if (S.layers.labels && S.view.scale > 0.035) {
        ctx.fillStyle = damaged ? "#ffb3b3" : "#b9c6d3";
        ctx.font = "11px system-ui, sans-serif";
        ctx.fillText(a.id, sx + r + 3, sy + 4);
      }
    }
  }

  function drawUnitIcon(kind, sx, sy, col, sensor) {
    ctx.fillStyle = col;
    ctx.strokeStyle = "#0b1118";
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    if (sensor) {
      // triangle for a sensor
      ctx.moveTo(sx, sy - 6);
      ctx.lineTo(sx + 5.5, sy + 4);
      ctx.lineTo(sx - 5.5, sy + 4);
      ctx.closePath();
    } else if (kind === "missile" || kind === "interceptor") {
      ctx.moveTo(sx, sy - 6);
      ctx.lineTo(sx + 6, sy);
      ctx.lineTo(sx, sy + 6);
      ctx.lineTo(sx - 6, sy);
      ctx.closePath();
    } else {
      ctx.rect(sx - 4.5, sy - 4.5, 9, 9);
    }
    ctx.stroke();
    ctx.fill();
  }

  function drawUnits() {
    const labels = S.layers.labels && S.view.scale > 0.035;
    ctx.font = "11px system-ui, sans-serif";
    for (const s of S.meta.sensors) {
      const [sx, sy] = toScreen(s.x, s.y);
      drawUnitIcon(s.kind, sx, sy, SENSOR_COLOR(s.kind), true);
      S.hits.push({ type: "sensor", ref: s, sx, sy, r: 7, prio: 3 });
      if (labels) {
        ctx.fillStyle = withAlpha(SENSOR_COLOR(s.kind), 0.85);
        ctx.fillText(s.id, sx + 8, sy - 4);
      }
    }
    for (const e of S.meta.effectors) {
      const [sx, sy] = toScreen(e.x, e.y);
      drawUnitIcon(e.kind, sx, sy, EFFECTOR_COLOR(e.kind), false);
      S.hits.push({ type: "effector", ref: e, sx, sy, r: 7, prio: 3 });
      if (labels) {
        ctx.fillStyle = withAlpha(EFFECTOR_COLOR(e.kind), 0.85);
        ctx.fillText(e.id, sx + 8, sy + 12);
      }
    }
  }

  function droneColor(d, state, t) {
    if (state === "neutralised") return COLORS.neutralised;
    if (d.tDetect !== null && d.tDetect <= t) return COLORS.detected;
    return COLORS.undetected;
  }

  function drawTrails() {
    const t = S.t;
    const rep = S.rep;
    ctx.lineCap = "round";
    for (const d of rep.drones) {
      const tr = d.traj;
      if (!tr || t < tr.tFirst) continue;
      const tStart = Math.max(tr.tFirst, t - S.trail);
      const tStop = Math.min(t, tr.tLast);
      if (tStop <= tStart) continue;
      // sample indices
      const k0 = indexAt(tr, tStart);
      const k1 = indexAt(tr, tStop);
      const count = k1 - k0;
      const stride = Math.max(1, Math.floor(count / 240));
      let prev = null;
      for (let k = k0; k <= k1; k += stride) {
        const kk = Math.min(k, k1);
        const [sx, sy] = toScreen(tr.x[kk], tr.y[kk]);
        if (prev) {
          const tk = timeOfSample(tr, kk);
          const age = Math.min((t - tk) / Math.min(S.trail, 1e4), 1);
          const col = droneColor(d, stateAt(tr, kk), tk);
          ctx.strokeStyle = withAlpha(col, 0.08 + 0.62 * (1 - age));
          ctx.lineWidth = 1.6;
          ctx.beginPath();
          ctx.moveTo(prev[0], prev[1]);
          ctx.lineTo(sx, sy);
          ctx.stroke();
        }
        prev = [sx, sy];
        if (kk === k1) break;
      }
    }
    ctx.lineCap = "butt";
  }

  function indexAt(tr, t) {
    if (tr.t) {
      let lo = 0;
      let hi = tr.n - 1;
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (tr.t[mid] <= t) lo = mid; else hi = mid;
      }
      return tr.t[hi] <= t ? hi : lo;
    }
    return Math.min(Math.max(Math.floor((t - tr.t0) / tr.dt + 1e-9), 0), tr.n - 1);
  }

  function drawDrones() {
    const t = S.t;
    const focus = S.focus && S.focus.until > performance.now() ? S.focus.drone : null;
    for (const d of S.rep.drones) {
      const tr = d.traj;
      const p = sampleAt(tr, t);
      if (!p) continue;
      const final = ["killed", "defeated", "leaked", "expended"].includes(p.state);
      if (final && t > tr.tLast - 1e-9 && tr.n > 1) continue; // the marker takes over
      const [sx, sy] = toScreen(p.x, p.y);
      const col = droneColor(d, p.state, t);
      ctx.save();
      ctx.translate(sx, sy);
      ctx.rotate(-p.heading);
      ctx.beginPath();
      ctx.moveTo(8, 0);
      ctx.lineTo(-5, 5);
      ctx.lineTo(-2.5, 0);
      ctx.lineTo(-5, -5);
      ctx.closePath();
      ctx.fillStyle = col;
      ctx.strokeStyle = "#0b1118";
      ctx.lineWidth = 1.2;
      ctx.stroke();
      ctx.fill();
      ctx.restore();
      const hovered = S.hover && S.hover.type === "drone" && S.hover.ref.id === d.id;
      if (hovered || focus === d.id) {
        ctx.beginPath();
        ctx.arc(sx, sy, 12, 0, 2 * Math.PI);
        ctx.strokeStyle = "#ffffff";
        ctx.lineWidth = 1.5;
        ctx.stroke();
      }
      if (S.layers.labels && S.view.scale > 0.08) {
        ctx.fillStyle = withAlpha(col, 0.9);
        ctx.font = "10px system-ui, sans-serif";
        ctx.fillText(droneName(d.id), sx + 9, sy - 7);
      }
      S.hits.push({ type: "drone", ref: d, sx, sy, r: 9, prio: 0, p });
    }
  }

  function effectorById(id) {
    if (!S.meta.effMap) S.meta.effMap = new Map(S.meta.effectors.map((e) => [e.id, e]));
    return S.meta.effMap.get(id);
  }

  function drawShots() {
    const t = S.t;
    const FADE = 2.5;
    for (const s of S.rep.shots) {
      if (t < s.t0 || t > s.t1 + FADE) continue;
      const e = effectorById(s.who);
      if (!e) continue;
      const col = EFFECTOR_COLOR(e.kind);
      const [ex, ey] = toScreen(e.x, e.y);
      const d = S.rep.byId.get(s.drone);
      let target = null;
      const p = d ? sampleAt(d.traj, Math.min(t, s.t1)) : null;
      if (p) target = [p.x, p.y];
      else if (s.x !== null) target = [s.x, s.y];
      if (!target) continue;
      const [tx, ty] = toScreen(target[0], target[1]);
      const fading = t > s.t1;
      const a = fading ? 1 - (t - s.t1) / FADE : 1;
      const missile = e.kind === "missile" || e.kind === "interceptor";
      if (missile && !fading) {
        // the missile flies from the launcher to the intercept
        const f = s.t1 > s.t0 ? Math.min((t - s.t0) / (s.t1 - s.t0), 1) : 1;
        const ax = ex + (tx - ex) * f;
        const ay = ey + (ty - ey) * f;
        ctx.strokeStyle = withAlpha(col, 0.35);
        ctx.setLineDash([4, 4]);
        ctx.lineWidth = 1;
        ctx.beginPath();
        ctx.moveTo(ex, ey);
        ctx.lineTo(tx, ty);
        ctx.stroke();
        ctx.setLineDash([]);
        ctx.strokeStyle = withAlpha(col, 0.9);
        ctx.lineWidth = 2;
        ctx.beginPath();
        ctx.moveTo(ex + (tx - ex) * Math.max(f - 0.15, 0), ey + (ty - ey) * Math.max(f - 0.15, 0));
        ctx.lineTo(ax, ay);
        ctx.stroke();
        ctx.beginPath();
        ctx.arc(ax, ay, 2.5, 0, 2 * Math.PI);
        ctx.fillStyle = col;
        ctx.fill();
      } else {
        ctx.strokeStyle = withAlpha(col, 0.85 * a);
        ctx.lineWidth = fading ? 1 : 1.8;
        if (!fading) ctx.setLineDash([7, 3]);
        ctx.lineDashOffset = -((t * 40) % 10);
        ctx.beginPath();
        ctx.moveTo(ex, ey);
        ctx.lineTo(tx, ty);
        ctx.stroke();
        ctx.setLineDash([]);
        ctx.lineDashOffset = 0;
      }
      if (s.result === "miss" && t >= s.t1) {
        ctx.strokeStyle = withAlpha("#9aa7b4", a);
        ctx.lineWidth = 1;
        ctx.beginPath();
        ctx.arc(tx, ty, 5 + 6 * (1 - a), 0, 2 * Math.PI);
        ctx.stroke();
      }
    }
  }

  function drawMarker(mk, t) {
    const [sx, sy] = toScreen(mk.x, mk.y);
    const age = t - mk.t;
    const fresh = age < 4 ? 1 - age / 4 : 0;
    const col = COLORS[mk.kind] || (mk.kind === "link_lost" ? COLORS.defeated : mk.kind === "damage" ? COLORS.leaked : "#fff");
    ctx.lineWidth = 2;
    ctx.strokeStyle = col;
    ctx.fillStyle = col;
    const r = 5 + 5 * fresh;
    if (fresh > 0) {
      ctx.beginPath();
      ctx.arc(sx, sy, r + 10 * (1 - fresh) + 4, 0, 2 * Math.PI);
      ctx.strokeStyle = withAlpha(col, fresh);
      ctx.stroke();
      ctx.strokeStyle = col;
    }
    ctx.beginPath();
    if (mk.kind === "killed") {
      ctx.moveTo(sx - r, sy - r);
      ctx.lineTo(sx + r, sy + r);
      ctx.moveTo(sx + r, sy - r);
      ctx.lineTo(sx - r, sy + r);
      ctx.stroke();
    } else if (mk.kind === "defeated" || mk.kind === "link_lost") {
      ctx.arc(sx, sy, r, 0, 2 * Math.PI);
      ctx.moveTo(sx - r * 0.7, sy + r * 0.7);
      ctx.lineTo(sx + r * 0.7, sy - r * 0.7);
      ctx.stroke();
    } else if (mk.kind === "leaked") {
      for (let i = 0; i < 8; i++) {
        const a = (i * Math.PI) / 4;
        const rr = i % 2 ? r * 0.55 : r * 1.25;
        ctx.moveTo(sx, sy);
        ctx.lineTo(sx + Math.cos(a) * rr, sy + Math.sin(a) * rr);
      }
      ctx.stroke();
    } else if (mk.kind === "damage") {
      ctx.arc(sx, sy, 3, 0, 2 * Math.PI);
      ctx.fill();
    } else {
      ctx.rect(sx - 3, sy - 3, 6, 6);
      ctx.stroke();
    }
    S.hits.push({ type: "marker", ref: mk, sx, sy, r: 8, prio: 1 });
  }

  function drawMarkers() {
    for (const mk of S.rep.markers) {
      if (mk.t > S.t) break;
      drawMarker(mk, S.t);
    }
  }

  function drawPicture() {
    const t = S.t;
    const hold = Math.max(2 * (S.meta.dt_s || 1), 3);
    for (const tr of S.rep.tracks) {
      const n = tr.t.length;
      if (!n || t < tr.t[0] || t > tr.t[n - 1] + hold) continue;
      let lo = 0;
      let hi = n - 1;
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (tr.t[mid] <= t) lo = mid; else hi = mid;
      }
      const k = tr.t[hi] <= t ? hi : lo;
      const dtk = t - tr.t[k];
      const x = tr.x[k] + tr.vx[k] * dtk;
      const y = tr.y[k] + tr.vy[k] * dtk;
      if (!Number.isFinite(x)) continue;
      const [sx, sy] = toScreen(x, y);
      const conf = tr.confirmed[k];
      const a = conf ? 0.95 : 0.4;
      ctx.strokeStyle = withAlpha(COLORS.track, a);
      ctx.lineWidth = conf ? 1.5 : 1;
      if (!conf) ctx.setLineDash([2, 2]);
      ctx.strokeRect(sx - 5, sy - 5, 10, 10);
      ctx.setLineDash([]);
      const sig = tr.sigma[k] * 2 * S.view.scale;
      if (conf && Number.isFinite(sig) && sig > 7) {
        ctx.beginPath();
        ctx.arc(sx, sy, sig, 0, 2 * Math.PI);
        ctx.strokeStyle = withAlpha(COLORS.track, 0.25);
        ctx.stroke();
      }
      if (conf) {
        // a leader: where the track will be in 20 s
        const [lx, ly] = toScreen(x + tr.vx[k] * 20, y + tr.vy[k] * 20);
        ctx.beginPath();
        ctx.moveTo(sx, sy);
        ctx.lineTo(lx, ly);
        ctx.strokeStyle = withAlpha(COLORS.track, 0.6);
        ctx.stroke();
      }
      S.hits.push({ type: "track", ref: tr, sx, sy, r: 7, prio: 1, k, x, y });
    }
  }

  function draw() {
    resize();
    const w = canvas.clientWidth;
    const h = canvas.clientHeight;
    ctx.setTransform(S.dpr, 0, 0, S.dpr, 0, 0);
    ctx.fillStyle = "#0c131a";
    ctx.fillRect(0, 0, w, h);
    S.hits = [];
    if (!S.meta) return;
    if (S.layers.grid) drawGrid(w, h);
    if (S.layers.coverage) drawCoverage();
    if (S.layers.envelopes) drawEnvelopes();
    if (S.layers.routes) drawRoutes();
    if (S.layers.assets) drawAssets();
    if (S.rep) {
      if (S.layers.markers) drawMarkers();
      if (S.layers.trails) drawTrails();
      if (S.layers.picture && S.rep.tracks.length) drawPicture();
      if (S.layers.shots) drawShots();
    }
    if (S.layers.units) drawUnits();
    if (S.rep && S.layers.drones) drawDrones();
    drawScaleBar(w, h);
    S.frames += 1;
  }

  // ------------------------------------------------------------------ chart

  function buildChart() {
    const rep = S.rep;
    const N = 400;
    const series = { t: [], airborne: [], killed: [], defeated: [], leaked: [] };
    for (let i = 0; i <= N; i++) {
      const t = (rep.tEnd * i) / N;
      let air = 0;
      let k = 0;
      let df = 0;
      let lk = 0;
      for (const d of rep.drones) {
        const launched = d.traj ? d.traj.tFirst <= t : d.tLaunch !== null && d.tLaunch <= t;
        const ended = d.tEnd !== null && d.tEnd <= t;
        if (launched && !ended) air += 1;
        if (ended && d.state === "killed") k += 1;
        else if (ended && d.state === "defeated") df += 1;
        else if (ended && d.state === "leaked") lk += 1;
      }
      series.t.push(t);
      series.airborne.push(air);
      series.killed.push(k);
      series.defeated.push(df);
      series.leaked.push(lk);
    }
    S.chartSeries = series;
    const legend = $("chart-legend");
    legend.replaceChildren();
    for (const [key, label] of [["airborne", "airborne"], ["killed", "killed"], ["defeated", "defeated"], ["leaked", "leaked"]]) {
      const span = el("span");
      const sw = el("span", "sw");
      sw.style.background = COLORS[key];
      span.append(sw, document.createTextNode(label));
      span.id = `legend-${key}`;
      legend.append(span);
    }
  }

  function drawChart() {
    const s = S.chartSeries;
    const w = chart.clientWidth;
    const h = chart.clientHeight;
    cctx.setTransform(S.dpr, 0, 0, S.dpr, 0, 0);
    cctx.clearRect(0, 0, w, h);
    if (!s) return;
    const pad = { l: 26, r: 8, t: 8, b: 18 };
    const pw = w - pad.l - pad.r;
    const ph = h - pad.t - pad.b;
    const n = S.rep.drones.length || 1;
    const X = (t) => pad.l + (pw * t) / S.rep.tEnd;
    const Y = (v) => pad.t + ph - (ph * v) / n;
    cctx.strokeStyle = "#1f2d3b";
    cctx.lineWidth = 1;
    cctx.font = "10px ui-monospace, Menlo, Consolas, monospace";
    cctx.fillStyle = "#5f7285";
    cctx.textAlign = "right";
    cctx.textBaseline = "middle";
    for (const v of [0, Math.round(n / 2), n]) {
      cctx.beginPath();
      cctx.moveTo(pad.l, Math.round(Y(v)) + 0.5);
      cctx.lineTo(w - pad.r, Math.round(Y(v)) + 0.5);
      cctx.stroke();
      cctx.fillText(String(v), pad.l - 4, Y(v));
    }
    cctx.textAlign = "center";
    cctx.textBaseline = "top";
    const ticks = 4;
    for (let i = 0; i <= ticks; i++) {
      const t = (S.rep.tEnd * i) / ticks;
      cctx.textAlign = i === 0 ? "left" : i === ticks ? "right" : "center";
      cctx.fillText(fmtClock(t).slice(2), X(t), h - pad.b + 4);
    }
    for (const key of ["leaked", "defeated", "killed", "airborne"]) {
      cctx.strokeStyle = COLORS[key];
      cctx.lineWidth = key === "airborne" ? 2 : 1.6;
      cctx.beginPath();
      s[key].forEach((v, i) => {
        const x = X(s.t[i]);
        const y = Y(v);
        if (i === 0) cctx.moveTo(x, y); else cctx.lineTo(x, y);
      });
      cctx.stroke();
    }
    const cx = X(Math.min(S.t, S.rep.tEnd));
    cctx.strokeStyle = "#e6edf3";
    cctx.lineWidth = 1;
    cctx.beginPath();
    cctx.moveTo(cx + 0.5, pad.t);
    cctx.lineTo(cx + 0.5, pad.t + ph);
    cctx.stroke();
    // live counts in the legend
    const i = Math.min(s.t.length - 1, Math.max(0, Math.round((S.t / S.rep.tEnd) * (s.t.length - 1))));
    for (const key of ["airborne", "killed", "defeated", "leaked"]) {
      const span = $(`legend-${key}`);
      if (span) span.lastChild.textContent = `${key} ${s[key][i]}`;
    }
  }

  // ------------------------------------------------------------------ events list

  function eventText(ev) {
    const d = droneName(ev.drone);
    switch (ev.kind) {
      case "launch": {
        const dr = S.rep.byId.get(ev.drone);
        return `${d} launched${dr ? ` (${dr.raid})` : ""}`;
      }
      case "detect": return `${d} detected by ${ev.who}`;
      case "identify": return `${d} identified by ${ev.who}`;
      case "assign": return `${ev.who} assigned to ${d}${ev.pk !== null ? ` (Pk ${ev.pk.toFixed(2)})` : ""}`;
      case "fire": {
        const e = effectorById(ev.who);
        if (e && e.kind === "gun") return `${ev.who} fires ${ev.rounds} rds at ${d}`;
        return `${ev.who} fires at ${d}`;
      }
      case "cancel": return `${ev.who} on ${d} cancelled: ${ev.outcome.replace(/_/g, " ")}`;
      case "miss": return `${ev.who} missed ${d}`;
      case "kill": return `${d} killed by ${ev.who}`;
      case "leak": return `${d} reached its target`;
      case "damage": return `${d} damaged ${ev.outcome.replace(/^damaged:/, "")}`;
      case "link_lost": return `${d} link lost (${ev.who})`;
      case "gnss_lost": return `${d} GNSS lost (${ev.who})`;
      case "defeated": return `${d} defeated by ${ev.who}`;
      case "expended": return `${d} out of endurance`;
      default: return `${ev.kind} ${d}`;
    }
  }

  function buildEventList() {
    const box = $("events");
    box.replaceChildren();
    S.evRows = [];
    S.evCurrent = -1;
    const rep = S.rep;
    if (!rep.hasEvents) {
      box.append(el("div", "empty", "This run has no event log: run it with --events to list what happened."));
      $("event-count").textContent = "";
      return;
    }
    const keep = S.eventFilter === "all" ? null : S.eventFilter === "outcomes" ? OUTCOME_EVENTS : KEY_EVENTS;
    const frag = document.createDocumentFragment();
    for (const ev of rep.events) {
      if (keep && !keep.has(ev.kind)) continue;
      const row = el("div", "ev future");
      row.append(el("span", "t", fmtClock(ev.t).slice(2)), el("span", `kind ${ev.kind}`, ev.kind.replace("_", " ")), el("span", "txt", eventText(ev)));
      row.addEventListener("click", () => {
        pause();
        seek(ev.t);
        if (ev.drone >= 0) S.focus = { drone: ev.drone, until: performance.now() + 2500 };
      });
      frag.append(row);
      S.evRows.push({ t: ev.t, row });
    }
    box.append(frag);
    $("event-count").textContent = String(S.evRows.length);
    $("event-count").title = rep.nDecisions ? `${rep.nDecisions} decision cycles (not listed)` : "";
    if (!S.evRows.length) box.append(el("div", "empty", "No events of this kind."));
    S.evPast = 0;
  }

  function updateEventList() {
    const rows = S.evRows;
    if (!rows.length) return;
    // rows with t <= now are past; the last of them is current
    let lo = 0;
    let hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (rows[mid].t <= S.t + 1e-9) lo = mid + 1; else hi = mid;
    }
    const past = lo;
    const prev = S.evPast || 0;
    for (let i = Math.min(prev, past); i < Math.max(prev, past); i++) {
      rows[i].row.classList.toggle("future", i >= past);
    }
    S.evPast = past;
    const cur = past - 1;
    if (cur !== S.evCurrent) {
      if (S.evCurrent >= 0 && rows[S.evCurrent]) rows[S.evCurrent].row.classList.remove("current");
      if (cur >= 0) {
        const row = rows[cur].row;
        row.classList.add("current");
        const box = $("events");
        const top = row.offsetTop - box.offsetTop;
        if (top < box.scrollTop || top > box.scrollTop + box.clientHeight - row.offsetHeight) {
          box.scrollTop = Math.max(0, top - box.clientHeight / 2);
        }
      }
      S.evCurrent = cur;
    }
  }

  // ------------------------------------------------------------------ side panels

  function stat(label, value, cls) {
    const d = el("div", `stat ${cls || ""}`);
    d.append(el("div", "v", String(value)), el("div", "k", label));
    return d;
  }

  function updateOutcome() {
    const box = $("outcome");
    box.replaceChildren();
    const s = S.rep.summary;
    if (!s) return;
    box.append(
      stat("launched", s.n_launched),
      stat("detected", s.n_detected),
      stat("engaged", s.n_engaged),
      stat("killed", s.n_killed, "good"),
      stat("defeated", s.n_defeated, "soft"),
      stat("leaked", s.n_leaked, s.n_leaked ? "bad" : ""),
      stat("damaged", fmtMoney(s.value_damaged_usd), s.value_damaged_usd > 0 ? "bad" : ""),
      stat("casualties", s.casualties, s.casualties > 0 ? "bad" : ""),
      stat("spent", fmtMoney(s.munitions_cost_usd), "warn"),
    );
    const o = S.meta.overall;
    $("run-stats").textContent = `All ${S.meta.replications} replications: mean ${o.mean_killed} killed, ${o.mean_leaked} leaked, ${fmtMoney(o.mean_value_damaged_usd)} damaged; P(any leaker) ${fmtPct(o.p_leak)}.`;
  }

  function buildLayers() {
    const box = $("layers");
    box.replaceChildren();
    for (const [key, label, , col] of LAYERS) {
      if (key === "picture" && !S.meta.has_picture) continue;
      const lab = el("label");
      const cb = el("input");
      cb.type = "checkbox";
      cb.checked = S.layers[key];
      cb.id = `layer-${key}`;
      cb.dataset.layer = key;
      cb.addEventListener("change", () => {
        S.layers[key] = cb.checked;
        requestDraw();
      });
      const sw = el("span", "sw");
      sw.style.background = col;
      lab.append(cb, sw, document.createTextNode(label));
      box.append(lab);
    }
    const sel = $("coverage-target");
    sel.replaceChildren();
    S.meta.coverage.forEach((c, i) => {
      const o = el("option", "", c.label);
      o.value = String(i);
      o.title = c.target || c.error || c.label;
      sel.append(o);
    });
    sel.title = "Sensor coverage drawn against this drone (RCS, height)";
    if (!S.meta.coverage.length) {
      sel.append(el("option", "", "no sensors"));
      sel.disabled = true;
    }
  }

  function legendSwatch(draw) {
    const c = document.createElement("canvas");
    const d = window.devicePixelRatio || 1;
    c.width = 14 * d;
    c.height = 14 * d;
    const g = c.getContext("2d");
    g.scale(d, d);
    draw(g);
    return c;
  }

  function buildLegend() {
    const box = $("legend");
    box.replaceChildren();
    const items = [
      ["undetected", (g) => { g.fillStyle = COLORS.undetected; tri(g); }],
      ["detected", (g) => { g.fillStyle = COLORS.detected; tri(g); }],
      ["link lost", (g) => { g.fillStyle = COLORS.neutralised; tri(g); }],
      ["killed", (g) => { g.strokeStyle = COLORS.killed; g.lineWidth = 2; g.beginPath(); g.moveTo(3, 3); g.lineTo(11, 11); g.moveTo(11, 3); g.lineTo(3, 11); g.stroke(); }],
      ["defeated", (g) => { g.strokeStyle = COLORS.defeated; g.lineWidth = 2; g.beginPath(); g.arc(7, 7, 5, 0, 7); g.moveTo(3.5, 10.5); g.lineTo(10.5, 3.5); g.stroke(); }],
      ["leaked", (g) => { g.strokeStyle = COLORS.leaked; g.lineWidth = 2; g.beginPath(); for (let i = 0; i < 8; i++) { const a = (i * Math.PI) / 4; const r = i % 2 ? 3 : 6; g.moveTo(7, 7); g.lineTo(7 + Math.cos(a) * r, 7 + Math.sin(a) * r); } g.stroke(); }],
      ["sensor", (g) => { g.fillStyle = COLORS.radar; g.beginPath(); g.moveTo(7, 1); g.lineTo(12.5, 11); g.lineTo(1.5, 11); g.fill(); }],
      ["gun / launcher", (g) => { g.fillStyle = COLORS.gun; g.fillRect(1, 3, 7, 7); g.fillStyle = COLORS.missile; g.beginPath(); g.moveTo(11, 2); g.lineTo(14, 6.5); g.lineTo(11, 11); g.lineTo(8.5, 6.5); g.fill(); }],
    ];
    if (S.meta.has_picture) items.push(["track", (g) => { g.strokeStyle = COLORS.track; g.lineWidth = 1.5; g.strokeRect(2.5, 2.5, 9, 9); }]);
    items.push(["asset", (g) => { g.strokeStyle = COLORS.asset; g.lineWidth = 1.5; g.beginPath(); g.arc(7, 7, 5, 0, 7); g.stroke(); }]);
    for (const [label, fn] of items) {
      const it = el("div", "item");
      it.append(legendSwatch(fn), document.createTextNode(label));
      box.append(it);
    }
    function tri(g) {
      g.beginPath();
      g.moveTo(13, 7);
      g.lineTo(2, 12);
      g.lineTo(4.5, 7);
      g.lineTo(2, 2);
      g.closePath();
      g.fill();
    }
  }

  // ------------------------------------------------------------------ tooltip

  function tooltipContent(hit) {
    const rows = [];
    let title = "";
    let sub = "";
    const t = S.t;
    if (hit.type === "drone") {
      const d = hit.ref;
      const p = sampleAt(d.traj, t) || hit.p;
      title = `Drone ${d.id}`;
      sub = `raid ${d.raid} · ${d.cls}`;
      const now = p.state === "neutralised" ? "link lost (neutralised)" : p.state;
      rows.push(["state", now]);
      rows.push(["position", `E ${fmtDist(p.x)}, N ${fmtDist(p.y)}`]);
      rows.push(["height", `${p.z.toFixed(0)} m`]);
      rows.push(["speed", `${p.speed.toFixed(1)} m/s${Math.abs(p.climb) > 0.5 ? `, ${p.climb > 0 ? "climbing" : "diving"} ${Math.abs(p.climb).toFixed(1)} m/s` : ""}`]);
      rows.push(["target", d.target || "—"]);
      rows.push(["launched", fmtT(d.tLaunch)]);
      rows.push(["detected", d.tDetect !== null ? (d.tDetect <= t ? fmtT(d.tDetect) : "not yet") : "never"]);
      if (d.tIdent !== null) rows.push(["identified", d.tIdent <= t ? fmtT(d.tIdent) : "not yet"]);
      rows.push(["first shot", d.tShot !== null ? (d.tShot <= t ? fmtT(d.tShot) : "not yet") : "never"]);
      const how = d.state === "airborne" ? "still airborne at the end" : `${d.state}${d.effector ? ` by ${d.effector}` : ""}${d.cause ? ` (${d.cause})` : ""} at ${fmtClock(d.tEnd)}`;
      rows.push(["fate", how]);
    } else if (hit.type === "asset") {
      const a = hit.ref;
      title = a.id;
      sub = `${a.type} · site ${a.site}`;
      rows.push(["value", fmtMoney(a.value_usd)]);
      rows.push(["occupancy", `${a.occupancy} people`]);
      rows.push(["radius", `${a.radius_m} m`]);
      rows.push(["vulnerability", a.vulnerability]);
      rows.push(["P(damaged), run", fmtPct(a.p_damaged)]);
      const here = S.rep && S.rep.assets[a.id];
      if (here) {
        const tDam = S.rep.damagedAt.get(a.id);
        rows.push(["this replication", here.damaged ? `damaged${tDam !== undefined ? ` at ${fmtClock(tDam)}` : ""}, ${here.hits} hit(s), ${here.casualties} casualties` : "not damaged"]);
      }
    } else if (hit.type === "sensor") {
      const s = hit.ref;
      title = s.id;
      sub = `${s.kind.replace("_", " ")}${s.class ? ` · ${s.class}` : ""} · site ${s.site}`;
      rows.push(["position", `E ${fmtDist(s.x)}, N ${fmtDist(s.y)}, mast ${s.z} m`]);
      if (s.range_max_m) rows.push(["instrumented", fmtDist(s.range_max_m)]);
      const cov = S.meta.coverage[S.coverage];
      const c = cov && cov.sensors.find((x) => x.id === s.id);
      if (c) {
        rows.push([`vs ${cov.rcs_m2 !== undefined ? `RCS ${cov.rcs_m2} m²` : "target"}`, c.range_m === null ? "—" : fmtDist(c.range_m)]);
        rows.push(["", c.note]);
      }
    } else if (hit.type === "effector") {
      const e = hit.ref;
      title = e.id;
      sub = `${e.kind}${e.class ? ` · ${e.class}` : ""} · site ${e.site}`;
      rows.push(["position", `E ${fmtDist(e.x)}, N ${fmtDist(e.y)}`]);
      rows.push(["envelope", `${fmtDist(e.range_min_m || 0)} – ${fmtDist(e.range_max_m)}`]);
      if (e.half_sector_rad !== null) {
        const bearing = ((90 - (e.azimuth_rad * 180) / Math.PI) % 360 + 360) % 360;
        rows.push(["sector", `${((2 * e.half_sector_rad * 180) / Math.PI).toFixed(0)}° about ${bearing.toFixed(0)}°`]);
      }
      if (S.rep) {
        let shots = 0;
        let rounds = 0;
        for (const s of S.rep.shots) if (s.who === e.id && s.t0 <= t) { shots += 1; rounds += s.rounds; }
        const kills = S.rep.drones.filter((d) => d.effector === e.id && d.tEnd !== null && d.tEnd <= t).length;
        rows.push(["so far", `${shots} shot(s)${e.kind === "gun" ? `, ${rounds} rounds` : ""}, ${kills} ${e.kind === "jammer" ? "defeated" : "kill(s)"}`]);
      }
    } else if (hit.type === "track") {
      const tr = hit.ref;
      const k = hit.k;
      title = `Track ${tr.id}`;
      sub = tr.confirmed[k] ? "confirmed" : "tentative";
      rows.push(["position", `E ${fmtDist(hit.x)}, N ${fmtDist(hit.y)}`]);
      rows.push(["speed", `${Math.hypot(tr.vx[k], tr.vy[k]).toFixed(1)} m/s`]);
      rows.push(["σ (per axis)", `${tr.sigma[k].toFixed(0)} m`]);
      rows.push(["last update", fmtT(tr.t[k])]);
    } else if (hit.type === "marker") {
      const mk = hit.ref;
      const names = { killed: "Kill", defeated: "Soft kill (defeated)", leaked: "Impact (leaker)", expended: "Out of endurance", link_lost: "Link lost", damage: "Damage" };
      title = `${names[mk.kind] || mk.kind}: drone ${mk.drone}`;
      rows.push(["time", fmtT(mk.t)]);
      rows.push(["position", `E ${fmtDist(mk.x)}, N ${fmtDist(mk.y)}`]);
      if (mk.who) rows.push(["by", `${mk.who}${mk.cause ? ` (${mk.cause})` : ""}`]);
      if (mk.asset) rows.push(["asset", mk.asset]);
      const d = S.rep.byId.get(mk.drone);
      if (d && mk.kind === "leaked" && d.miss !== null) rows.push(["miss distance", `${d.miss.toFixed(0)} m`]);
    } else if (hit.type === "raid") {
      const r = hit.ref;
      title = `Raid ${r.id}`;
      sub = `${r.count} × ${r.class} (${r.guidance})`;
      rows.push(["speed", `${r.speed_mps} m/s at ${r.cruise_height_m} m`]);
      rows.push(["RCS", `${r.rcs_m2} m²`]);
      rows.push(["launch", `${fmtClock(r.launch_time_s)}, within ${fmtDist(r.launch_radius_m)}`]);
      rows.push(["target", r.target_asset || (r.target_site ? `an asset of ${r.target_site}` : "any asset")]);
    }
    return { title, sub, rows };
  }

  function showTooltip() {
    const tip = $("tooltip");
    const hit = S.hover;
    if (!hit || !S.mouse) {
      tip.hidden = true;
      canvas.classList.remove("pointing");
      return;
    }
    const { title, sub, rows } = tooltipContent(hit);
    tip.replaceChildren();
    tip.append(el("div", "tt-title", title));
    if (sub) tip.append(el("div", "tt-sub", sub));
    const table = el("table");
    for (const [k, v] of rows) {
      const tr = el("tr");
      tr.append(el("td", "", k), el("td", "", v === null || v === undefined ? "—" : String(v)));
      table.append(tr);
    }
    tip.append(table);
    tip.hidden = false;
    canvas.classList.add("pointing");
    const wrap = $("map-wrap");
    const W = wrap.clientWidth;
    const H = wrap.clientHeight;
    let x = S.mouse[0] + 16;
    let y = S.mouse[1] + 16;
    if (x + tip.offsetWidth > W - 8) x = S.mouse[0] - tip.offsetWidth - 16;
    if (y + tip.offsetHeight > H - 8) y = Math.max(8, H - tip.offsetHeight - 8);
    tip.style.left = `${x}px`;
    tip.style.top = `${y}px`;
  }

  function pickHit() {
    if (!S.mouse) return null;
    const [mx, my] = S.mouse;
    let best = null;
    let bestScore = Infinity;
    for (const h of S.hits) {
      const d = Math.hypot(h.sx - mx, h.sy - my);
      if (d > Math.max(h.r, 6)) continue;
      const score = h.prio * 100 + d;
      if (score < bestScore) {
        best = h;
        bestScore = score;
      }
    }
    return best;
  }

  // ------------------------------------------------------------------ time

  function setClock() {
    $("clock").textContent = fmtClock(S.t);
    const sc = $("scrubber");
    if (document.activeElement !== sc || !S.scrubbing) sc.value = String(S.t);
  }

  function seek(t) {
    S.t = Math.min(Math.max(t, 0), S.tEnd);
    setClock();
    requestDraw();
  }

  function play() {
    if (!S.rep) return;
    if (S.t >= S.tEnd - 1e-6) S.t = 0;
    S.playing = true;
    S.lastFrame = null;
    const b = $("play");
    b.textContent = "Pause";
    b.classList.add("playing");
    requestDraw();
  }
  function pause() {
    S.playing = false;
    const b = $("play");
    b.textContent = "Play";
    b.classList.remove("playing");
  }

  let drawQueued = false;
  function requestDraw() {
    if (drawQueued) return;
    drawQueued = true;
    requestAnimationFrame(frame);
  }

  function frame(now) {
    drawQueued = false;
    if (S.playing) {
      if (S.lastFrame !== null) {
        const dtReal = Math.min((now - S.lastFrame) / 1000, 0.25);
        S.t += dtReal * S.speed;
        if (S.t >= S.tEnd) {
          S.t = S.tEnd;
          pause();
        }
      }
      S.lastFrame = now;
      setClock();
    }
    draw();
    if (S.rep) {
      drawChart();
      updateEventList();
    }
    S.hover = pickHit();
    showTooltip();
    if (S.playing || (S.focus && S.focus.until > performance.now())) requestDraw();
  }

  // ------------------------------------------------------------------ replication

  async function loadReplication(id) {
    S.loading = true;
    showMessage(`Loading replication ${id}…`);
    $("replication").disabled = true;
    try {
      let rep = S.repCache.get(id);
      if (!rep) {
        const raw = await fetchJSON(`/api/replication/${encodeURIComponent(id)}`);
        rep = prepareReplication(raw);
        S.repCache.set(id, rep);
      }
      S.rep = rep;
      S.tEnd = rep.tEnd;
      const sc = $("scrubber");
      sc.max = String(rep.tEnd);
      $("clock-end").textContent = fmtClock(rep.tEnd);
      S.t = Math.min(S.t, rep.tEnd);
      buildChart();
      buildEventList();
      updateOutcome();
      hideMessage();
      setClock();
      requestDraw();
    } finally {
      S.loading = false;
      $("replication").disabled = false;
    }
  }

  function showMessage(text, error) {
    const m = $("message");
    m.textContent = text;
    m.classList.toggle("error", !!error);
    m.hidden = false;
  }
  function hideMessage() {
    $("message").hidden = true;
  }

  // ------------------------------------------------------------------ input

  function bindInput() {
    let drag = null;
    canvas.addEventListener("mousedown", (e) => {
      drag = { x: e.clientX, y: e.clientY, cx: S.view.cx, cy: S.view.cy, moved: false };
      canvas.classList.add("dragging");
    });
    window.addEventListener("mousemove", (e) => {
      const rect = canvas.getBoundingClientRect();
      const inside = e.clientX >= rect.left && e.clientX <= rect.right && e.clientY >= rect.top && e.clientY <= rect.bottom;
      if (drag) {
        const dx = e.clientX - drag.x;
        const dy = e.clientY - drag.y;
        if (Math.abs(dx) + Math.abs(dy) > 2) drag.moved = true;
        S.view.cx = drag.cx - dx / S.view.scale;
        S.view.cy = drag.cy + dy / S.view.scale;
      }
      S.mouse = inside && !drag ? [e.clientX - rect.left, e.clientY - rect.top] : null;
      if (inside) {
        const [wx, wy] = toWorld(e.clientX - rect.left, e.clientY - rect.top);
        $("cursor-pos").textContent = `E ${fmtDist(wx)}  N ${fmtDist(wy)}`;
      }
      requestDraw();
    });
    window.addEventListener("mouseup", () => {
      drag = null;
      canvas.classList.remove("dragging");
    });
    canvas.addEventListener("mouseleave", () => {
      S.mouse = null;
      requestDraw();
    });
    canvas.addEventListener("wheel", (e) => {
      e.preventDefault();
      const rect = canvas.getBoundingClientRect();
      zoomAt(e.clientX - rect.left, e.clientY - rect.top, Math.exp(-e.deltaY * 0.0015));
    }, { passive: false });
    $("zoom-in").addEventListener("click", () => zoomAt(canvas.clientWidth / 2, canvas.clientHeight / 2, 1.5));
    $("zoom-out").addEventListener("click", () => zoomAt(canvas.clientWidth / 2, canvas.clientHeight / 2, 1 / 1.5));
    $("fit-all").addEventListener("click", () => { fitBounds(allBounds()); requestDraw(); });
    $("fit-site").addEventListener("click", () => { fitBounds(defenceBounds()); requestDraw(); });
    $("play").addEventListener("click", () => (S.playing ? pause() : play()));
    $("restart").addEventListener("click", () => seek(0));
    $("speed").addEventListener("change", (e) => { S.speed = Number(e.target.value); });
    $("trail").addEventListener("change", (e) => { S.trail = Number(e.target.value); requestDraw(); });
    $("coverage-target").addEventListener("change", (e) => { S.coverage = Number(e.target.value); requestDraw(); });
    $("event-filter").addEventListener("change", (e) => {
      S.eventFilter = e.target.value;
      if (S.rep) buildEventList();
      requestDraw();
    });
    const sc = $("scrubber");
    sc.addEventListener("input", () => {
      S.scrubbing = true;
      seek(Number(sc.value));
    });
    sc.addEventListener("change", () => { S.scrubbing = false; });
    chart.addEventListener("click", (e) => {
      if (!S.rep) return;
      const rect = chart.getBoundingClientRect();
      const f = (e.clientX - rect.left - 26) / (rect.width - 34);
      seek(Math.min(Math.max(f, 0), 1) * S.rep.tEnd);
    });
    $("replication").addEventListener("change", (e) => {
      loadReplication(Number(e.target.value)).catch(fail);
    });
    window.addEventListener("resize", requestDraw);
    window.addEventListener("keydown", (e) => {
      if (e.target instanceof HTMLSelectElement || (e.target instanceof HTMLInputElement && e.target.type !== "range" && e.target.type !== "checkbox")) return;
      const speeds = [1, 2, 4, 8, 16, 32, 64];
      if (e.key === " ") { e.preventDefault(); S.playing ? pause() : play(); }
      else if (e.key === "ArrowRight" && e.target !== sc) seek(S.t + Math.max(1, S.speed / 2));
      else if (e.key === "ArrowLeft" && e.target !== sc) seek(S.t - Math.max(1, S.speed / 2));
      else if (e.key === "Home") seek(0);
      else if (e.key === "]" || e.key === "[") {
        const i = speeds.indexOf(S.speed) + (e.key === "]" ? 1 : -1);
        S.speed = speeds[Math.min(Math.max(i, 0), speeds.length - 1)];
        $("speed").value = String(S.speed);
      } else if (e.key === "+" || e.key === "=") zoomAt(canvas.clientWidth / 2, canvas.clientHeight / 2, 1.25);
      else if (e.key === "-") zoomAt(canvas.clientWidth / 2, canvas.clientHeight / 2, 0.8);
      else if (e.key === "f" || e.key === "F") { fitBounds(allBounds()); requestDraw(); }
      else if (e.key === "d" || e.key === "D") { fitBounds(defenceBounds()); requestDraw(); }
    });
  }

  function zoomAt(sx, sy, factor) {
    const [wx, wy] = toWorld(sx, sy);
    S.view.scale = Math.min(Math.max(S.view.scale * factor, 1e-4), 50);
    const [wx2, wy2] = toWorld(sx, sy);
    S.view.cx += wx - wx2;
    S.view.cy += wy - wy2;
    requestDraw();
  }

  function fail(err) {
    S.error = String(err && err.message ? err.message : err);
    showMessage(`The viewer could not load the run: ${S.error}`, true);
  }

  // ------------------------------------------------------------------ start

  async function start() {
    bindInput();
    resize();
    const meta = await fetchJSON("/api/run");
    S.meta = meta;
    meta.maxAssetValue = Math.max(1, ...meta.assets.map((a) => a.value_usd || 0));
    document.title = `${meta.scenario_name} · skyscreen viewer`;
    $("scenario-name").textContent = meta.scenario_name;
    $("run-info").textContent = [
      `${meta.replications} replications`,
      `seed ${meta.seed}`,
      `${meta.fidelity} fidelity`,
      `dt ${meta.dt_s} s`,
      `${fmtClock(meta.duration_s).slice(2)} simulated`,
      meta.time_of_day,
      meta.description,
    ].filter(Boolean).join(" · ");
    buildLayers();
    buildLegend();
    const sel = $("replication");
    sel.replaceChildren();
    for (const r of meta.replication_summaries) {
      const tag = r.label ? ` (${r.label})` : "";
      const o = el("option", "", `#${r.id}${tag} · ${r.n_killed + r.n_defeated} stopped, ${r.n_leaked} leaked, ${fmtMoney(r.value_damaged_usd)} damaged`);
      o.value = String(r.id);
      sel.append(o);
    }
    if (!meta.recorded.length) {
      showMessage("This run recorded no trajectories: run it again with --record K (K ≥ 1) to replay its first K replications, or --record-select best,median,worst. The scenario is shown below.", true);
      fitBounds(defenceBounds());
      $("play").disabled = true;
      requestDraw();
      S.ready = true;
      return;
    }
    await loadReplication(meta.recorded[0]);
    $("play").disabled = false;
    fitBounds(allBounds());
    requestDraw();
    requestAnimationFrame(() => { S.ready = true; });
  }

  // A small hook for tests and scripts: where things are, and the clock.
  window.skyscreenViewer = {
    get ready() { return S.ready; },
    get error() { return S.error || null; },
    time: () => S.t,
    endTime: () => S.tEnd,
    playing: () => S.playing,
    replication: () => (S.rep ? S.rep.id : null),
    play,
    pause,
    seek,
    layers: () => ({ ...S.layers }),
    // where a point of the local plane (east, north; m) is drawn in the page (CSS px)
    toPage: (x, y) => {
      const rect = canvas.getBoundingClientRect();
      const [sx, sy] = toScreen(x, y);
      return [rect.left + sx, rect.top + sy];
    },
    frames: () => S.frames,
    // every drone drawn in the last frame: id, state and its position in the page (CSS px)
    drones: () => {
      const rect = canvas.getBoundingClientRect();
      return S.hits.filter((h) => h.type === "drone").map((h) => ({
        id: h.ref.id,
        state: h.p.state,
        x: rect.left + h.sx,
        y: rect.top + h.sy,
        worldX: h.p.x,
        worldY: h.p.y,
      }));
    },
  };

  start().catch(fail);
})();
