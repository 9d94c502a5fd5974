// %%html, %%markdown, %%svg and %%latex: the cell's body shown as that MIME type.
import { UsageError, type Magic } from "./registry.js";

export interface CellOutput {
  output: {
    write(name: "stdout" | "stderr", text: string): void;
    display(data: Record<string, unknown>): void;
  };
}

function mimeCellMagic(name: string, mime: string, what: string): Magic<CellOutput> {
  return {
    name,
    kind: "cell",
    summary: `render the cell's body as ${what} (${mime})`,
    usage: `%%${name}\nBODY\nThe body is shown as ${what}; it is not run.`,
    run({ args, body }, { output }) {
      if (args.length > 0) throw new UsageError(`%%${name} takes no arguments; put the ${what} below its line`);
      output.display({ [mime]: body, "text/plain": body });
      return undefined;
    },
  };
}

export const outputCellMagics = [
  mimeCellMagic("html", "text/html", "HTML"),
  mimeCellMagic("markdown", "text/markdown", "Markdown"),
  mimeCellMagic("svg", "image/svg+xml", "SVG"),
  mimeCellMagic("latex", "text/latex", "LaTeX"),
];
