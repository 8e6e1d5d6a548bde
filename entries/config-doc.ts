// `npm run config:doc`: prints the configuration reference table (src/config/reference.ts) for docs/configuration.md.
import { configReferenceTable } from '../src/config/reference.js';

console.log(configReferenceTable());
