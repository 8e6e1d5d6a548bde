// The configuration a local run uses when none is given (`npm start`, the Node/Deno/Bun entries): the
// registries a developer runs on port 5000, any public registry, and anonymous callers with every grant.
// It is never part of a deployment: wrangler.toml holds no configuration, so a deployed worker without
// FERRY_CONFIG refuses every caller, and anonymous callers are served on loopback names only.
export const LOCAL_DEFAULT_CONFIG = {
  registries: { '127.0.0.1:5000': { insecure: true }, 'localhost:5000': { insecure: true } },
  allowPublicRegistries: true,
  callers: { anonymous: true },
};
