// The magic registry: each magic declared once, with its name, help and implementation. A cell that
// is one `%name args` line runs the magic instead of being compiled.

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export interface LineMagic<C> {
  name: string;
  /** One line for `%lsmagic`, then usage and details for `%name -h`. */
  help: string;
  /** Returns the text to print, if any; throws UsageError for bad arguments. */
  run(args: string[], context: C): string | undefined;
}

const LINE_MAGIC = /^\s*%([A-Za-z_][\w-]*)(?:[ \t]+(.*?))?\s*$/;

export class MagicRegistry<C> {
  private readonly magics = new Map<string, LineMagic<C>>();

  register(magic: LineMagic<C>): this {
    this.magics.set(magic.name, magic);
    return this;
  }

  /** Runs the cell as a magic if it is one; undefined if it is ordinary code. */
  run(code: string, context: C): { output: string | undefined } | undefined {
    const m = LINE_MAGIC.exec(code);
    if (!m) return undefined;
    const magic = this.magics.get(m[1]);
    if (!magic) {
      throw new UsageError(`unknown magic %${m[1]}; the known ones are ${[...this.magics.keys()].map((k) => `%${k}`).join(", ")}`);
    }
    const args = (m[2] ?? "").split(/\s+/).filter(Boolean);
    if (args.includes("-h") || args.includes("--help")) return { output: `%${magic.name}: ${magic.help}\n` };
    return { output: magic.run(args, context) };
  }
}
