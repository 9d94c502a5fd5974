// The display functions cells call: output goes to the cell whose async context calls them.
import { randomUUID } from "node:crypto";
import type { MimeBundle } from "../engine.js";
import type { OutputRouter } from "./output.js";
import { mimeBundle } from "./format.js";

export interface DisplayHandle {
  readonly id: string;
  update(value: unknown): void;
}

export function installDisplay(router: OutputRouter): void {
  const publish = (data: MimeBundle, metadata: Record<string, unknown>, displayId?: string, update = false) =>
    router.emit(router.currentCell(), { kind: "display", data, metadata, displayId, update });

  const bundleOf = (value: unknown) => mimeBundle(value);
  const display = Object.assign(
    (value: unknown, options: { id?: string } = {}): DisplayHandle => {
      const id = options.id ?? randomUUID();
      const { data, metadata } = bundleOf(value);
      publish(data, metadata, id);
      return { id, update: (next: unknown) => publish(bundleOf(next).data, bundleOf(next).metadata, id, true) };
    },
    {
      mime(data: MimeBundle, metadata: Record<string, unknown> = {}): void {
        publish(data, metadata);
      },
      html(html: string): void {
        publish({ "text/html": html, "text/plain": html }, {});
      },
      markdown(markdown: string): void {
        publish({ "text/markdown": markdown, "text/plain": markdown }, {});
      },
      svg(svg: string): void {
        publish({ "image/svg+xml": svg, "text/plain": "<SVG image>" }, {});
      },
      json(value: unknown): void {
        publish({ "application/json": value, "text/plain": JSON.stringify(value, null, 2) }, {});
      },
      latex(latex: string): void {
        publish({ "text/latex": latex, "text/plain": latex }, {});
      },
    },
  );
  const clearOutput = (options: { wait?: boolean } = {}): void =>
    router.emit(router.currentCell(), { kind: "clear", wait: Boolean(options.wait) });

  Object.assign(globalThis, { display, clearOutput });
}
