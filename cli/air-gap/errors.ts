// What a layout or an archive given on the command line was refused for: the user's own files, named.

import { Failure } from '../api.js';

export class AirGapError extends Failure {
  constructor(message: string, code = 'LAYOUT_INVALID') {
    super(code, message);
  }
}
