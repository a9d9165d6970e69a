// Runs once when the server starts (Next calls `register` before it handles requests): issues and
// prints the demo tokens, and closes keycard on SIGTERM/SIGINT. Not at build time, not on Edge.
export async function register() {
  if (process.env.NEXT_RUNTIME !== 'nodejs' || process.env.NEXT_PHASE === 'phase-production-build') return;
  const { start } = await import('./lib/startup');
  await start();
}
