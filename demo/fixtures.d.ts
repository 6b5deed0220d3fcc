// The recorded histories the "real program" panel bundles (scripts/demo.mjs loads .jsonl
// and .maps files as text with esbuild's text loader): each import is the file's text.
declare module "*.jsonl" {
  const text: string;
  export default text;
}
declare module "*.maps" {
  const text: string;
  export default text;
}
