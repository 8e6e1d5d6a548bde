// Shell completion for bash and zsh, generated from the verbs' own option lists (so they cannot drift).

import { GLOBAL_OPTIONS, VERBS } from './usage.js';

const flags = (options: object) => Object.keys(options).map((name) => `--${name}`);

const ACTIONS: Record<string, string[]> = {
  jobs: ['ls', 'get', 'watch', 'cancel'],
  rules: ['ls', 'get', 'put', 'rm'],
  completion: ['bash', 'zsh'],
};

export function bashCompletion(): string {
  const cases = VERBS.map(
    (v) =>
      `    ${v.name}) opts="${[...flags(v.options), ...flags(GLOBAL_OPTIONS)].join(' ')}"; ` +
      `actions="${(ACTIONS[v.name] ?? []).join(' ')}" ;;`,
  ).join('\n');
  return `# ferry completion for bash: source <(ferry completion bash)
_ferry() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" opts="" actions=""
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W "${VERBS.map((v) => v.name).join(' ')}" -- "$cur"))
    return
  fi
  case "\${COMP_WORDS[1]}" in
${cases}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  elif [ "$COMP_CWORD" -eq 2 ] && [ -n "$actions" ]; then
    COMPREPLY=($(compgen -W "$actions" -- "$cur"))
  fi
}
complete -o default -F _ferry ferry
`;
}

export function zshCompletion(): string {
  const cases = VERBS.map(
    (v) =>
      `    ${v.name}) _values 'option' ` +
      `${[...flags(v.options), ...flags(GLOBAL_OPTIONS)].map((f) => `'${f}'`).join(' ')} ;;`,
  ).join('\n');
  return `#compdef ferry
# ferry completion for zsh: source <(ferry completion zsh)
_ferry() {
  if (( CURRENT == 2 )); then
    compadd ${VERBS.map((v) => v.name).join(' ')}
    return
  fi
  [[ "\${words[CURRENT]}" == -* ]] || { _files; return }
  case "\${words[2]}" in
${cases}
  esac
}
compdef _ferry ferry 2>/dev/null || true
`;
}
