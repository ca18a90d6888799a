/**
 * load — lazy require for command implementations. The CLI is CommonJS; a dynamic
 * import() would route every lazily loaded module through the ESM loader, which runs
 * cjs-module-lexer over each file (about 20 ms of a cold attach). require() does not.
 */
export function load<T>(specifier: string): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(specifier) as T;
}
