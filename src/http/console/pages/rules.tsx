/** @jsxImportSource hono/jsx */
// Promotion rules and a promotion's plan.

import { Columns } from './layout.js';
import { BackupTags, WrittenImage } from './jobs.js';

interface RuleView {
  name: string;
  origin: string;
  source: { repository: string };
  targets: { repository: string; tags: string[] }[];
  invalid?: string;
}

export function Rules(props: { rules: RuleView[] }) {
  if (!props.rules.length)
    return (
      <p class="empty">
        No promotion rules you may use yet: add one to the configuration (<code>promotion.rules</code>), or store one
        with <code>ferry rules put NAME FILE</code> (<code>PUT /v1/rules/NAME</code>).
      </p>
    );
  return (
    <table id="rules">
      <caption>Promotion rules you may use</caption>
      <Columns names={['Rule', 'Source', 'Targets', 'Dry run']} />
      <tbody>
        {props.rules.map((rule) => (
          <tr>
            <td>
              {rule.name} <small>({rule.origin === 'api' ? 'API' : 'configuration'})</small>
              {rule.invalid ? <p class="error">{rule.invalid}</p> : null}
            </td>
            <td>
              <code>{rule.source.repository}</code>
            </td>
            <td>
              {rule.targets.map((t) => (
                <div>
                  <code>{t.repository}</code> ← {t.tags.join(', ')}
                </div>
              ))}
            </td>
            <td>
              <form method="get" action={`/console/rules/${encodeURIComponent(rule.name)}/plan`} class="inline">
                <label for={`source-${rule.name}`}>Source image</label>
                <input id={`source-${rule.name}`} name="source" placeholder="registry/repository:tag" required />
                <button type="submit">Plan</button>
              </form>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Plan(props: {
  plan: {
    source: string;
    digest: string;
    steps: { target: string; tag: string; action: string; current?: string; reason?: string }[];
  };
  /** With the rule's name and the form's token: a plan without conflicts offers to promote. */
  promote?: { rule: string; source: string; csrf: string };
}) {
  const conflicts = props.plan.steps.some((s) => s.action === 'conflict');
  const writes = props.plan.steps.some((s) => s.action !== 'unchanged');
  return (
    <>
      <p>
        <code id="plan-source">{props.plan.source}</code>
      </p>
      <table id="plan">
        <caption>What a promotion would do (nothing is written)</caption>
        <Columns names={['Target', 'Tag', 'Action', 'Now']} />
        <tbody>
          {props.plan.steps.map((step) => (
            <tr class={step.action}>
              <td>
                <code>{step.target}</code>
              </td>
              <td>{step.tag}</td>
              <td>
                {step.action}
                {step.reason ? `: ${step.reason}` : ''}
              </td>
              <td>
                <code>{step.current ?? '-'}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {props.promote && !conflicts && writes ? (
        <form method="post" action={`/console/rules/${encodeURIComponent(props.promote.rule)}/promote`} class="promote">
          <input type="hidden" name="csrf" value={props.promote.csrf} />
          <input type="hidden" name="source" value={props.promote.source} />
          <button type="submit">Promote</button>
        </form>
      ) : null}
    </>
  );
}

/** What a promotion from the console wrote: each target with a link to its image, and its backup tags. */
export function Promoted(props: {
  rule: string;
  source: string;
  results: { target: string; digest: string; tags: string[] }[];
  backups: { created: string[]; removed: string[] };
}) {
  return (
    <>
      <p>
        Promoted <code>{props.source}</code> by rule <code>{props.rule}</code>
      </p>
      {props.results.map((r) => (
        <WrittenImage {...r} />
      ))}
      <BackupTags {...props.backups} />
    </>
  );
}
