// Placeholder until the profile summary lands.
export function summarizeProfiles() {
  return '';
}
