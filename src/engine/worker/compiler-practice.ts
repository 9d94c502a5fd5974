// Cells of everyday notebook TypeScript that an idle worker checks and compiles, without running them,
// so that V8 has optimised the compiler's code before the user's cells need it (measured, TypeScript
// alone: the same cell of 200 typed functions checked and emitted in ~45 ms on its 2nd run, ~12 ms on
// its 30th). The cells use the constructs notebooks are made of, not any one benchmark's. Each is
// practised as a local module too: a module takes other paths through the compiler (CommonJS emit,
// source maps), which cell practice leaves cold.

/**
 * Each round checks every practice cell once as a cell and once as a module (~2 s of the worker's
 * time in all, the first round the slowest). Measured on a cell of 200 typed functions run after it:
 * first run 240 → 80–150 ms, the next eight 125–175 → 105–140 ms (median); six rounds did no better.
 * On the first compile of a 1,000-line module: 350 → 205 ms.
 */
export const PRACTICE_ROUNDS = 3;

/** One piece of practice: code checked and compiled as a cell, or as a local module. */
export interface Drill {
  as: "cell" | "module";
  code: string;
}

/** A practice cell as a module's text: its top-level declarations exported, as a module's are. */
export function asModule(cell: string): string {
  return cell.replace(/^(?=(?:async )?function |(?:abstract )?class |interface |type |enum |namespace |const )/gm, "export ");
}

/**
 * The practice of one worker: a cell at a time, only until the user's first cell arrives. From then
 * on the user's own cells warm the compiler, and practice would only delay them (measured: a cell run
 * after 2 s pauses in which practice ran took 80–100 ms instead of 65–78).
 */
export class CompilerPractice {
  private readonly drills = practiceDrills();
  private done = 0;
  private failed = 0;
  private took = 0;
  private stopped = false;

  /** `practise` checks and compiles a drill's code without keeping it: false when it had errors. */
  constructor(
    private readonly practise: (drill: Drill) => boolean,
    private readonly log: (text: string) => void,
  ) {}

  /** Practises the next drill; false once there is nothing more to practise. */
  next(): boolean {
    if (this.stopped || this.done === this.drills.length) return false;
    const start = performance.now();
    try {
      if (!this.practise(this.drills[this.done])) this.failed++;
    } catch {
      // A session name shadowing a builtin a practice cell uses: only less practice.
      this.failed++;
    }
    this.took += performance.now() - start;
    this.done++;
    if (this.done < this.drills.length) return true;
    this.log(`compiler practice: ${this.done} cells and modules checked and compiled while idle in ${this.took.toFixed(0)} ms, ${this.failed} failed`);
    return false;
  }

  /** The user's first cell has come. */
  stop(): void {
    if (this.stopped || this.done === this.drills.length) return;
    this.stopped = true;
    this.log(`compiler practice: stopped by the first cell after ${this.done} of ${this.drills.length} cells and modules (${this.took.toFixed(0)} ms)`);
  }
}

/** Every round's drills in order: each practice cell as a cell, then as a module. */
export function practiceDrills(): Drill[] {
  const round = PRACTICE_CELLS.flatMap((code): Drill[] => [{ as: "cell", code }, { as: "module", code: asModule(code) }]);
  return Array.from({ length: PRACTICE_ROUNDS }, () => round).flat();
}

export const PRACTICE_CELLS: readonly string[] = [
  `interface Sample { id: number; name: string; score: number; tags: string[]; seen?: Date }
type ByName = Record<string, Sample>;
function parseLine(line: string, index: number): Sample {
  const [name, score, ...tags] = line.split(",").map((part) => part.trim());
  return { id: index, name, score: Number(score), tags };
}
function indexByName(samples: Sample[]): ByName {
  const out: ByName = {};
  for (const s of samples) out[s.name] = s;
  return out;
}
function topScores(samples: readonly Sample[], count = 3): Sample[] {
  return [...samples].sort((a, b) => b.score - a.score).slice(0, count);
}
const rows = ["ada, 9, math", "grace, 8, navy, cobol", "alan, 7"].map(parseLine);
const best = topScores(rows, 2).map((s) => \`\${s.name.toUpperCase()}: \${s.score.toFixed(1)}\`);
indexByName(rows)["ada"]?.tags.join(" ") ?? best.join("; ")`,

  `class Matrix {
  private readonly data: Float64Array;
  constructor(readonly rows: number, readonly cols: number, fill = 0) {
    this.data = new Float64Array(rows * cols).fill(fill);
  }
  get(r: number, c: number): number { return this.data[r * this.cols + c]; }
  set(r: number, c: number, v: number): this { this.data[r * this.cols + c] = v; return this; }
  times(other: Matrix): Matrix {
    if (this.cols !== other.rows) throw new RangeError(\`\${this.cols} columns, \${other.rows} rows\`);
    const out = new Matrix(this.rows, other.cols);
    for (let r = 0; r < this.rows; r++)
      for (let c = 0; c < other.cols; c++) {
        let sum = 0;
        for (let k = 0; k < this.cols; k++) sum += this.get(r, k) * other.get(k, c);
        out.set(r, c, sum);
      }
    return out;
  }
  static identity(n: number): Matrix {
    const m = new Matrix(n, n);
    for (let i = 0; i < n; i++) m.set(i, i, 1);
    return m;
  }
  toString(): string { return \`Matrix \${this.rows}x\${this.cols}\`; }
}
const product = Matrix.identity(3).times(new Matrix(3, 2, 1.5));
product.get(2, 1) + product.rows`,

  `type Shape = { kind: "circle"; radius: number } | { kind: "rect"; width: number; height: number } | { kind: "point" };
enum Unit { Metre = "m", Foot = "ft" }
function area(shape: Shape): number {
  switch (shape.kind) {
    case "circle": return Math.PI * shape.radius ** 2;
    case "rect": return shape.width * shape.height;
    default: return 0;
  }
}
function describe(shape: Shape, unit: Unit = Unit.Metre): string {
  const a = area(shape);
  return shape.kind === "point" ? "a point" : \`\${shape.kind} of \${a.toFixed(2)} \${unit}²\`;
}
const shapes: Shape[] = [{ kind: "circle", radius: 2 }, { kind: "rect", width: 3, height: 4 }, { kind: "point" }];
const total = shapes.reduce((sum, s) => sum + area(s), 0);
const labels = new Map(shapes.map((s, i) => [i, describe(s, i % 2 ? Unit.Foot : Unit.Metre)] as const));
[...labels.values()].filter((text) => text.length > 8).concat(String(Math.round(total)))`,

  `function groupBy<T, K extends PropertyKey>(items: Iterable<T>, key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
function mapValues<K, V, W>(map: ReadonlyMap<K, V>, f: (value: V, key: K) => W): Map<K, W> {
  return new Map([...map].map(([k, v]) => [k, f(v, k)]));
}
interface Point { x: number; y: number }
const points: Point[] = Array.from({ length: 20 }, (_, i) => ({ x: i % 5, y: Math.sqrt(i) }));
const byColumn = groupBy(points, (p) => p.x);
const means = mapValues(byColumn, (ps) => ps.reduce((s, p) => s + p.y, 0) / ps.length);
const unique = new Set(points.map(({ x }) => x));
Object.fromEntries([...means].map(([k, v]) => [\`col\${k}\`, Number(v.toFixed(3))] as [string, number])) ?? unique.size`,

  `async function fetchAll<T>(keys: string[], load: (key: string) => Promise<T>, limit = 4): Promise<Record<string, T>> {
  const out: Record<string, T> = {};
  const queue = [...keys];
  const workers = Array.from({ length: Math.min(limit, queue.length) }, async () => {
    for (let key = queue.shift(); key !== undefined; key = queue.shift()) out[key] = await load(key);
  });
  await Promise.all(workers);
  return out;
}
const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
async function slowSquare(key: string): Promise<number> {
  await delay(1);
  const n = parseInt(key, 10);
  if (Number.isNaN(n)) throw new TypeError(\`not a number: \${key}\`);
  return n * n;
}
let failures = 0;
try {
  const squares = await fetchAll(["1", "2", "3"], slowSquare);
  Object.values(squares).reduce((a, b) => a + b, 0);
} catch (error) {
  failures += error instanceof TypeError ? 1 : 0;
}
failures`,

  `abstract class Account {
  protected history: { at: number; amount: number; note?: string }[] = [];
  constructor(public readonly owner: string, private balanceCents = 0) {}
  get balance(): number { return this.balanceCents / 100; }
  deposit(amount: number, note?: string): void {
    if (!(amount > 0)) throw new Error("a deposit must be positive");
    this.balanceCents += Math.round(amount * 100);
    this.history.push({ at: this.history.length, amount, note });
  }
  abstract fee(amount: number): number;
  withdraw(amount: number): boolean {
    const cents = Math.round((amount + this.fee(amount)) * 100);
    if (cents > this.balanceCents) return false;
    this.balanceCents -= cents;
    this.history.push({ at: this.history.length, amount: -amount });
    return true;
  }
}
class Checking extends Account {
  fee(amount: number): number { return amount > 100 ? 0 : 0.25; }
}
const account = new Checking("ada");
account.deposit(120, "salary");
const ok = account.withdraw(20) && account.withdraw(1000);
({ owner: account.owner, balance: account.balance, ok })`,

  `namespace Stats {
  export function mean(xs: readonly number[]): number { return xs.reduce((a, b) => a + b, 0) / xs.length; }
  export function variance(xs: readonly number[]): number {
    const m = mean(xs);
    return mean(xs.map((x) => (x - m) ** 2));
  }
  export function quantile(xs: readonly number[], q: number): number {
    const sorted = xs.slice().sort((a, b) => a - b);
    const at = (sorted.length - 1) * q;
    const lo = Math.floor(at), hi = Math.ceil(at);
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
  }
}
declare const threshold: number | undefined;
const samples = [3.1, 2.7, 5.9, 4.4, 1.2, 8.8, 6.5];
const summary = {
  mean: Stats.mean(samples),
  sd: Math.sqrt(Stats.variance(samples)),
  median: Stats.quantile(samples, 0.5),
  above: samples.filter((x) => x > (threshold ?? 4)).length,
};
JSON.stringify(summary, (key, value: unknown) => (typeof value === "number" ? +value.toFixed(2) : value))`,

  `const words = "the quick brown fox jumps over the lazy dog the end".split(/\\s+/);
const counts = new Map<string, number>();
for (const w of words) counts.set(w, (counts.get(w) ?? 0) + 1);
function* pairs<T>(xs: T[]): Generator<[T, T]> {
  for (let i = 1; i < xs.length; i++) yield [xs[i - 1], xs[i]];
}
const bigrams = [...pairs(words)].map(([a, b]) => \`\${a} \${b}\`);
let longest = "";
for (const w of counts.keys()) if (w.length > longest.length) longest = w;
type Counted = { word: string; count: number; share: string };
const table: Counted[] = [...counts.entries()]
  .sort(([, a], [, b]) => b - a)
  .map(([word, count]) => ({ word, count, share: ((100 * count) / words.length).toFixed(1) + "%" }));
const firstRepeat = words.find((w, i) => words.indexOf(w) !== i);
var summaryLine = \`\${table.length} words, longest \${longest}, first repeat \${firstRepeat}, \${bigrams.length} bigrams\`;
summaryLine`,
];
