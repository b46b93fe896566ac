export { startDashboard } from './server.js';
export { DEFAULT_DASHBOARD_PORT, type DashboardOptions, type DashboardSources, type RunningDashboard } from './options.js';
export type { DashboardPicture } from './picture.js';
