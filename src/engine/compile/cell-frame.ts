// What the main thread needs to find a running cell's frame and write its mirrors back when an
// interrupt pauses it (see ../interrupt-progress.ts). Free of imports, so the main thread does not
// load TypeScript to use it.

/** The parameter through which a compiled cell calls the kernel (see rewrite.ts). */
export const KERNEL_PARAM = "__tsk";
/** The name of every compiled cell's function: the interrupt looks for a frame of this name. */
export const CELL_FUNCTION = "__tsk_cell";
/** Evaluated in a cell function's frame: the text that writes its mirrors back (CompiledCell.writeBack). */
export const WRITE_BACK_PROBE = `${KERNEL_PARAM}.writeBack`;
