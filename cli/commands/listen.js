// listen: placeholder until the deployment side lands.
/** @param {import("commander").Command} _program */
export function registerListen(_program) {}
