/**
 * The New token form: label, use-case presets, scopes grouped by their prefix with implied scopes
 * checked and locked (and why), the catalogue defaults pre-checked, restrictions per resource
 * type, an optional rate limit, personal or workspace, and an expiry.
 */
import type { CreateBody, ScopeCatalogueView } from './api.ts';
import { failureText } from './dialogs.ts';
import { busy, h, uid, type DialogHandle } from './dom.ts';
import { endOfLocalDay, WINDOW_WORDS } from './format.ts';
import { sentence } from './bidi.ts';
import { type Localization } from './strings.ts';

export interface CreateFormContext {
  readonly s: Localization;
  readonly catalogue: ScopeCatalogueView;
  /** The kinds the person may choose from; a choice is shown only when there are two. */
  readonly kinds: readonly ('personal' | 'workspace')[];
  readonly kind: 'personal' | 'workspace';
  readonly workspaceId: string | null;
  submit(input: CreateBody): Promise<void>;
}

/** `tickets:write` → `tickets`; a scope without a prefix goes to the general group. */
const groupOf = (name: string): string => (name.includes(':') ? name.slice(0, name.indexOf(':')) : '');

/** The scope checkboxes, grouped by prefix, and the use-case preset they keep in step with. */
interface ScopePicker {
  readonly chosen: Set<string>;
  readonly boxes: Map<string, { box: HTMLInputElement; reason: HTMLElement }>;
  readonly preset: HTMLSelectElement;
  readonly presetId: string;
  readonly groups: HTMLElement[];
  /** Redraws checkbox states: chosen ones checked, the closure of the others checked and locked. */
  readonly sync: () => void;
}

function scopePicker({ s, catalogue }: CreateFormContext): ScopePicker {
  const chosen = new Set(catalogue.defaults);
  const closureOf = new Map(catalogue.scopes.map((x) => [x.name, x.closure]));
  const boxes = new Map<string, { box: HTMLInputElement; reason: HTMLElement }>();
  const sync = () => {
    const impliedBy = new Map<string, string>();
    for (const name of chosen)
      for (const implied of closureOf.get(name) ?? [])
        if (implied !== name && !impliedBy.has(implied)) impliedBy.set(implied, name);
    for (const [name, { box, reason }] of boxes) {
      const by = impliedBy.get(name);
      box.checked = chosen.has(name) || by !== undefined;
      box.disabled = by !== undefined;
      reason.replaceChildren(...(by !== undefined ? sentence(s.impliedBy, { scope: by }) : []));
    }
    const match = catalogue.presets.find(
      (p) => p.scopes.length === chosen.size && p.scopes.every((x) => chosen.has(x)),
    );
    preset.value = match?.name ?? '';
  };

  const presetId = uid('preset');
  const preset = h(
    'select',
    { id: presetId, name: 'preset', part: 'input' },
    h('option', { value: '' }, s.customPreset),
    catalogue.presets.map((p) => h('option', { value: p.name }, p.name)),
  );
  preset.addEventListener('change', () => {
    const p = catalogue.presets.find((x) => x.name === preset.value);
    if (!p) return;
    chosen.clear();
    for (const x of p.scopes) chosen.add(x);
    sync();
  });

  const groups = new Map<string, HTMLElement[]>();
  for (const scope of catalogue.scopes) {
    const id = uid('scope');
    const reason = h('span', { class: 'hint', id: uid('why') });
    const desc = scope.description ? h('span', { class: 'hint', id: uid('desc') }, scope.description) : null;
    const box = h('input', {
      type: 'checkbox',
      id,
      name: 'scope',
      value: scope.name,
      'aria-describedby': [reason.id, desc?.id].filter(Boolean).join(' '),
    });
    box.addEventListener('change', () => {
      if (box.checked) chosen.add(scope.name);
      else chosen.delete(scope.name);
      sync();
    });
    boxes.set(scope.name, { box, reason });
    const g = groupOf(scope.name);
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g)!.push(h('div', { class: 'scope' }, box, h('label', { for: id }, scope.name), desc, reason));
  }
  const general = groups.get('');
  groups.delete('');
  const sets = [...(general ? ([['', general]] as const) : []), ...groups].map(([g, rows]) =>
    h('fieldset', { part: 'scope-group' }, h('legend', {}, g === '' ? s.otherScopes : g), rows),
  );
  return { chosen, boxes, preset, presetId, groups: sets, sync };
}

/** A labelled input described by the hint below it: the form's one pattern for a text field. */
function hintedInput(
  labelText: string | (string | Node)[],
  hintText: string | (string | Node)[],
  attrs: Record<string, string | number | boolean>,
) {
  const id = uid('field');
  const hint = uid('hint');
  const input = h('input', { id, autocomplete: 'off', 'aria-describedby': hint, part: 'input', ...attrs });
  const el = h(
    'div',
    { class: 'field' },
    h('label', { for: id }, labelText),
    input,
    h('div', { class: 'hint', id: hint }, hintText),
  );
  return { input, el };
}

/** One text field per resource type: comma-separated ids the token is restricted to. */
function restrictionFields({ s, catalogue }: CreateFormContext) {
  return catalogue.resourceTypes.map((type) => ({
    type,
    ...hintedInput(sentence(s.restrictTo, { type }), sentence(s.restrictHint, { type }), {
      type: 'text',
      name: `restrict-${type}`,
    }),
  }));
}

/** The largest limit the server takes (SPEC §5: 2³¹ − 1). */
const MAX_LIMIT = 2 ** 31 - 1;

/**
 * The optional "Rate limit" group: a number of requests (empty: the server's default) and the
 * window it counts over, a minute unless chosen otherwise. One budget for reads and writes; a
 * split limit is set through the API.
 */
function rateLimitFields(s: Localization) {
  const perId = uid('per');
  const { input: requests, el: requestsField } = hintedInput(s.rateLimitRequests, s.rateLimitHint, {
    type: 'number',
    name: 'rate-limit',
    min: 1,
    max: MAX_LIMIT,
    step: 1,
    inputmode: 'numeric',
  });
  const per = h(
    'select',
    { id: perId, name: 'rate-limit-window', part: 'input' },
    WINDOW_WORDS.map(([seconds, word]) => h('option', { value: seconds }, s[word])),
  );
  per.value = '60';
  /** The limit to send: undefined when empty, null when it is not a whole number from 1. */
  const read = (): { limit: number; window: number } | undefined | null => {
    const raw = requests.value.trim();
    if (raw === '' && !requests.validity.badInput) return undefined;
    const limit = Number(raw);
    return /^\d+$/.test(raw) && limit >= 1 && limit <= MAX_LIMIT ? { limit, window: Number(per.value) } : null;
  };
  const el = h(
    'fieldset',
    {},
    h('legend', {}, s.rateLimit),
    requestsField,
    h('div', { class: 'field' }, h('label', { for: perId }, s.rateLimitPer), per),
  );
  return { requests, read, el };
}

/** The "Expiration" select (90 days by default) and the date field shown for a custom date. */
function expiryFields(s: Localization) {
  const expId = uid('exp');
  const expiry = h(
    'select',
    { id: expId, name: 'expiration', part: 'input' },
    h('option', { value: 'never' }, s.expNever),
    h('option', { value: '30d' }, s.exp30),
    h('option', { value: '90d' }, s.exp90),
    h('option', { value: '365d' }, s.exp365),
    h('option', { value: 'custom' }, s.expCustom),
  );
  expiry.value = '90d';
  const dateId = uid('date');
  const date = h('input', { id: dateId, type: 'date', name: 'expires-at', part: 'input' });
  const dateField = h('div', { class: 'field', hidden: true }, h('label', { for: dateId }, s.expDate), date);
  expiry.addEventListener('change', () => {
    dateField.hidden = expiry.value !== 'custom';
  });
  return { expId, expiry, date, dateField };
}

/** The form's parts that a submission reads. */
interface FormParts {
  readonly form: HTMLFormElement;
  readonly label: HTMLInputElement;
  readonly scopes: ScopePicker;
  readonly restrictions: ReturnType<typeof restrictionFields>;
  readonly limit: ReturnType<typeof rateLimitFields>;
  readonly kindName: string;
  readonly exp: ReturnType<typeof expiryFields>;
  readonly create: HTMLButtonElement;
  readonly errorBox: HTMLElement;
}

/** Checks the form, names every problem at once, then calls `c.submit`; a refusal is shown in the form. */
async function submitForm(c: CreateFormContext, f: FormParts): Promise<void> {
  const { s } = c;
  const { label, create, errorBox } = f;
  const { chosen, boxes } = f.scopes;
  errorBox.textContent = '';
  const problems: string[] = [];
  if (label.value.trim() === '') problems.push(s.needLabel);
  if (chosen.size === 0) problems.push(s.needScope);
  const kind = (f.form.querySelector<HTMLInputElement>(`input[name="${f.kindName}"]:checked`)?.value ?? c.kind) as
    'personal' | 'workspace';
  let expiresAt: string | undefined;
  if (f.exp.expiry.value === 'custom') {
    const t = endOfLocalDay(f.exp.date.value);
    if (Number.isNaN(t) || t <= Date.now()) problems.push(s.needDate);
    else expiresAt = new Date(t).toISOString();
  }
  const rateLimit = f.limit.read();
  if (rateLimit === null) {
    f.limit.requests.setAttribute('aria-invalid', 'true');
    problems.push(s.needRateLimit);
  } else f.limit.requests.removeAttribute('aria-invalid');
  if (problems.length) {
    errorBox.textContent = problems.join(' ');
    const box = boxes.values().next().value?.box;
    if (label.value.trim() === '') label.focus();
    else (chosen.size > 0 && rateLimit === null ? f.limit.requests : (box ?? label)).focus();
    return;
  }
  const restrictions: Record<string, string[]> = {};
  for (const r of f.restrictions) {
    const ids = r.input.value
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
    if (ids.length) restrictions[r.type] = ids;
  }
  const release = busy(create);
  create.textContent = s.creating;
  try {
    await c.submit({
      label: label.value.trim(),
      scopes: [...chosen],
      kind,
      ...(kind === 'workspace' && c.workspaceId ? { workspaceId: c.workspaceId } : {}),
      ...(Object.keys(restrictions).length ? { restrictions } : {}),
      ...(rateLimit ? { rateLimit } : {}),
      ...(expiresAt ? { expiresAt } : { expiresIn: f.exp.expiry.value as 'never' }),
    });
  } catch (err) {
    errorBox.replaceChildren(...failureText(s, err, s.create, true));
    create.textContent = s.create;
    release();
  }
}

/** Fills `d` with the form; calls `c.submit` with a validated input. */
export function renderCreateForm(d: DialogHandle, c: CreateFormContext): void {
  const { s, catalogue } = c;
  const errorBox = h('div', { class: 'error', role: 'alert', part: 'error' });
  const { input: label, el: labelField } = hintedInput(s.label, s.labelHint, {
    name: 'label',
    type: 'text',
    required: true,
    maxlength: 200,
  });
  const scopes = scopePicker(c);
  const restrictions = restrictionFields(c);
  const limit = rateLimitFields(s);
  const kindName = uid('kind');
  const kindRadios = c.kinds.map((k) =>
    h(
      'label',
      {},
      h('input', { type: 'radio', name: kindName, value: k, checked: k === c.kind }),
      ' ',
      k === 'workspace' ? s.workspace : s.personal,
    ),
  );
  const exp = expiryFields(s);
  const create = h('button', { type: 'submit', class: 'primary', part: 'button primary' }, s.create);
  const cancel = h('button', { type: 'button', part: 'button' }, s.cancel);
  cancel.addEventListener('click', () => d.close());

  const form = h(
    'form',
    { novalidate: true },
    labelField,
    catalogue.presets.length
      ? h('div', { class: 'field' }, h('label', { for: scopes.presetId }, s.useCase), scopes.preset)
      : null,
    h('div', { class: 'field' }, h('div', { class: 'lbl' }, s.scopes), scopes.groups),
    restrictions.length
      ? h(
          'fieldset',
          {},
          h('legend', {}, s.restrictions),
          restrictions.map((r) => r.el),
        )
      : null,
    limit.el,
    c.kinds.length > 1 ? h('fieldset', {}, h('legend', {}, s.kindLabel), kindRadios) : null,
    h('div', { class: 'field' }, h('label', { for: exp.expId }, s.expiration), exp.expiry),
    exp.dateField,
    errorBox,
  );
  d.footer.append(cancel, create);
  create.setAttribute('form', (form.id = uid('form')));
  d.body.append(form);
  scopes.sync();
  const parts: FormParts = { form, label, scopes, restrictions, limit, kindName, exp, create, errorBox };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void submitForm(c, parts);
  });
}
