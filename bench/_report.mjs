// Turns the children's results into tables (plain text for the terminal,
// Markdown for BENCHMARKS.md) and checks spindle against BENCH.md's targets.
// Every ratio is spindle's figure divided by the peer's, both from the same
// run on the same runtime (Python rows: against spindle on Node).

/** Median of a list of numbers. */
export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** A number with three significant figures and a k/M suffix. */
export function si(value) {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${sig(value / 1e6)}M`;
  if (abs >= 1e3) return `${sig(value / 1e3)}k`;
  return sig(value);
}

function sig(value) {
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  return value.toFixed(digits);
}

/** Milliseconds, one decimal below 100. */
export function ms(value) {
  return Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(1);
}

function ratio(value) {
  return Number.isFinite(value) ? value.toFixed(2) : "—";
}

/** Figures of one result, by kind. */
export function figures(result) {
  if (result.kind === "rate") {
    const times = result.samplesMs;
    const m = median(times);
    return {
      value: result.units / (m / 1000),
      min: result.units / (Math.max(...times) / 1000),
      max: result.units / (Math.min(...times) / 1000),
      n: times.length,
    };
  }
  if (result.kind === "timers") {
    const over = result.elapsedMs.map((t) => t - result.maxDelayMs);
    return {
      value: over.length > 0 ? median(over) : NaN,
      untimed: over.length === 0 ? result.method : undefined,
      min: Math.min(...over),
      max: Math.max(...over),
      n: over.length,
      bytes: (result.heapBytes + result.wasmBytes) / result.tasks,
      heapBytes: result.heapBytes / result.tasks,
      wasmBytes: result.wasmBytes / result.tasks,
      live: result.live,
      tasks: result.tasks,
    };
  }
  // cold start
  return {
    value: median(result.samplesMs),
    min: Math.min(...result.samplesMs),
    max: Math.max(...result.samplesMs),
    n: result.samplesMs.length,
  };
}

/** The row of spindle on the same runtime as `row` (Python rows compare with Node). */
function spindleFor(rows, row) {
  const runtime = row.runtime === "python" ? "node" : row.runtime;
  return rows.find((r) => r.runtime === runtime && r.peer === "spindle" && r.figures);
}

/**
 * Rows for one workload: { runtime, peer, note, result, figures, error }.
 * Returns the table as { head, body, notes } of strings.
 */
export function tableCells(workload, rows) {
  const kind = workload.kind;
  const head = ["runtime", "peer"];
  if (kind === "rate") head.push(`${workload.unit} (median, min–max, n)`, "spindle ÷ peer");
  if (kind === "timers") {
    head.push(
      "overhead ms beyond 50 ms (median, min–max, n)",
      "spindle ÷ peer",
      "bytes per sleeping task (JS heap + linear memory)",
      "spindle ÷ peer",
    );
  }
  if (kind === "cold") head.push("ms per process (median, min–max, n)", "spindle ÷ peer", "spindle − peer, ms");
  const body = [];
  const notes = [];
  for (const row of rows) {
    const cells = [row.runtime === "python" ? "python" : row.runtime, row.label ?? row.peer];
    if (!row.figures) {
      cells.push(row.error ?? "not measured");
      while (cells.length < head.length) cells.push("");
      body.push(cells);
      continue;
    }
    const f = row.figures;
    const s = spindleFor(rows, row)?.figures;
    if (kind === "rate") {
      cells.push(`${si(f.value)} (${si(f.min)}–${si(f.max)}, n=${f.n})`, s ? ratio(s.value / f.value) : "—");
    } else if (kind === "timers") {
      if (f.untimed) cells.push(`— (${f.untimed})`, "—");
      else cells.push(`${ms(f.value)} (${ms(f.min)}–${ms(f.max)}, n=${f.n})`, s ? ratio(s.value / f.value) : "—");
      const split = f.wasmBytes > 0 ? ` (${f.heapBytes.toFixed(0)} + ${f.wasmBytes.toFixed(0)})` : "";
      cells.push(`${f.bytes.toFixed(0)}${split}`, s ? ratio(s.bytes / f.bytes) : "—");
      if (f.live < f.tasks) {
        notes.push(
          `${row.runtime} ${row.peer}: only ${f.live.toLocaleString("en-US")} of ${
            f.tasks.toLocaleString("en-US")
          } tasks were still sleeping when the heap was weighed (the rest had finished while tasks were still being started); bytes are per task of the ${
            f.tasks.toLocaleString("en-US")
          } created.`,
        );
      }
    } else {
      cells.push(
        `${ms(f.value)} (${ms(f.min)}–${ms(f.max)}, n=${f.n})`,
        s ? ratio(s.value / f.value) : "—",
        s ? (s.value - f.value >= 0 ? "+" : "") + ms(s.value - f.value) : "—",
      );
    }
    body.push(cells);
  }
  return { head, body, notes };
}

/** Plain-text table, columns padded. */
export function textTable({ head, body }) {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? "").length)));
  const line = (cells) => cells.map((c, i) => (c ?? "").padEnd(widths[i])).join("  ").trimEnd();
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}

/** Markdown table. */
export function markdownTable({ head, body }) {
  const line = (cells) => `| ${cells.map((c) => (c ?? "").replaceAll("|", "\\|")).join(" | ")} |`;
  return [line(head), line(head.map(() => "---")), ...body.map(line)].join("\n");
}

/**
 * BENCH.md's targets, checked per runtime. `byWorkload` maps "W1" to its
 * rows. Returns [{ runtime, target, measured, met }] (met: true, false or
 * null when a figure is missing).
 */
export function checkTargets(byWorkload, runtimes) {
  const out = [];
  const fig = (id, runtime, peer) =>
    byWorkload[id]?.find((r) => r.runtime === runtime && r.peer === peer && r.figures)?.figures;
  for (const runtime of runtimes) {
    const spindleVs = (id, peer, min, what) => {
      if (!byWorkload[id]) return;
      const s = fig(id, runtime, "spindle");
      const p = fig(id, runtime, peer);
      const r = s && p ? s.value / p.value : NaN;
      out.push({
        runtime,
        target: `${id} ${what}: spindle ≥ ${min}× ${peer}`,
        measured: Number.isFinite(r) ? `${r.toFixed(2)}×` : "missing",
        met: Number.isFinite(r) ? r >= min : null,
      });
    };
    spindleVs("W1", "native", 0.7, "spawn");
    for (const [id, what] of [["W2", "switch"], ["W4", "queue"], ["W5", "lock"], ["W6", "limit"], ["W7", "cancel"]]) {
      spindleVs(id, "floor", 0.5, what);
    }
    if (byWorkload.W3) {
      const s = fig("W3", runtime, "spindle");
      const p = fig("W3", runtime, "floor");
      const timed = s && p && Number.isFinite(s.value) && Number.isFinite(p.value);
      out.push({
        runtime,
        target: "W3 timers: overhead ≤ floor's",
        measured: timed ? `${ms(s.value)} ms vs ${ms(p.value)} ms` : "missing",
        met: timed ? s.value <= p.value : null,
      });
      out.push({
        runtime,
        target: "W3 timers: ≤ 300 bytes per sleeping task",
        measured: s ? `${s.bytes.toFixed(0)} bytes` : "missing",
        met: s ? s.bytes <= 300 : null,
      });
    }
    if (byWorkload.W8) {
      const s = fig("W8", runtime, "spindle");
      const p = fig("W8", runtime, "floor");
      out.push({
        runtime,
        target: "W8 cold start: within 5 ms of the floor",
        measured: s && p ? `${s.value - p.value >= 0 ? "+" : ""}${ms(s.value - p.value)} ms` : "missing",
        met: s && p ? s.value - p.value <= 5 : null,
      });
    }
  }
  return out;
}
