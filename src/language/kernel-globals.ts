// Types of what the kernel itself puts in every cell's scope, for the checker.
export const KERNEL_GLOBALS_DTS = `
interface TskernelDisplayHandle {
  readonly id: string;
  update(value: unknown): void;
}
declare function display(value: unknown, options?: { id?: string }): TskernelDisplayHandle;
declare namespace display {
  function mime(data: Record<string, unknown>, metadata?: Record<string, unknown>): void;
  function html(html: string): void;
  function markdown(markdown: string): void;
  function svg(svg: string): void;
  function json(value: unknown): void;
  function latex(latex: string): void;
}
declare function clearOutput(options?: { wait?: boolean }): void;
declare const Out: Record<number, any>;
declare const In: string[];
declare const _: any;
declare const __: any;
declare const ___: any;
declare const _i: string;
declare const _ii: string;
declare const _iii: string;
interface ImportMeta {
  /** True in cells (the notebook is the main program) and in a file \`%run\` runs; false in an imported module. */
  main: boolean;
}
`;
