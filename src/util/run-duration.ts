/** How long a run took, as `cohort runs compare` and the dashboard's comparison show it: `0.4s`, `12s`, `3m05s`, `2h07m`. (No Node import: the dashboard's page uses it too.) */
export function runDurationText(s: number): string {
  if (s < 10) return `${s.toFixed(1)}s`;
  if (s < 60) return `${Math.round(s)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.round(s - m * 60)).padStart(2, "0")}s`;
  const h = Math.floor(m / 60);
  return `${h}h${String(m - h * 60).padStart(2, "0")}m`;
}
