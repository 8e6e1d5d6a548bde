// The only file that spells state keys (src/state/store.ts: "<group>|<name>") and the labels jobs are listed by.

export const stateKeys = {
  /** Every job in one group: listing by state, kind, rule and repository needs one place. */
  job: (id: string) => `jobs|${id}`,
  jobsPrefix: () => 'jobs|',
  upload: (registry: string, repository: string, digest: string) => `uploads:${registry}|${repository}@${digest}`,
  /** One token exchange at a time per registry, credential and scope set. */
  tokenFlight: (registry: string, credentialId: string, scopeId: string) => `tokens:${registry}|${credentialId}:${scopeId}`,
};

export const jobLabels = {
  state: (state: string) => `state:${state}`,
  kind: (kind: string) => `kind:${kind}`,
  rule: (rule: string) => `rule:${rule}`,
  repository: (repository: string) => `repository:${repository}`,
};
