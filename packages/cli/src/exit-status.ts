/**
 * The exit code commands report through. Not `process.exitCode`: closing the embedded database
 * resets that to 0, which would turn a failed import into a success.
 */
export type ExitStatus = { code: number };
