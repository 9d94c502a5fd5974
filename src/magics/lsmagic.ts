// %lsmagic: every magic the kernel knows, with one line on what it does.
import type { Magic } from "./registry.js";

export interface MagicList {
  magics: { list(): Magic<never>[] };
}

export const lsmagicMagic: Magic<MagicList> = {
  name: "lsmagic",
  kind: "line",
  summary: "list every magic with a line on what it does",
  usage: "%lsmagic\n`%name -h` shows a magic's usage in full.",
  run(_call, context) {
    const all = context.magics.list();
    const section = (kind: "line" | "cell", title: string) => {
      const of = all.filter((m) => m.kind === kind);
      const width = Math.max(...of.map((m) => m.name.length)) + (kind === "line" ? 1 : 2);
      return [title, ...of.map((m) => `  ${`${kind === "line" ? "%" : "%%"}${m.name}`.padEnd(width)}  ${m.summary}`)];
    };
    const lines = section("line", "Line magics:");
    if (all.some((m) => m.kind === "cell")) lines.push("", ...section("cell", "Cell magics:"));
    lines.push("", "%name -h shows a magic's usage.");
    return { output: `${lines.join("\n")}\n` };
  },
};
