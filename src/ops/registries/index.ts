// The registries wing's front door: what the rest of Ferry may use of it.

export { registryClient } from './clients.js';
export { cloudCredentials } from './cloud/credentials.js';
export { ensureRepository } from './cloud/repositories.js';
export {
  deleteRegistryEntry,
  entryHost,
  getRegistryEntry,
  listRegistryEntries,
  putRegistryEntry,
  withManagedRegistries,
} from './entries.js';
