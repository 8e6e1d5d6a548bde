// `npm run config:doc`: prints the configuration reference table (src/config/reference.ts) for the README.
import { configReferenceTable } from '../src/config/reference.js';

console.log(configReferenceTable());
