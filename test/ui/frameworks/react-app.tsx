/**
 * `<keycard-tokens>` in a React 19 app (react-dom/client, no framework around it): docs/ui.md
 * shows this file, and test/ui/frameworks.test.ts runs it in Chromium. Load `keycard/ui` before
 * the first render (see docs/ui.md): React sets `localization` as a property only on an element
 * that is already defined.
 */
import { useState } from 'react';
import type * as React from 'react';
import { createRoot } from 'react-dom/client';
import type { KeycardTokensEventMap, Localization } from 'keycard/ui';

declare module 'react' {
  namespace JSX {
    interface IntrinsicElements {
      'keycard-tokens': React.DetailedHTMLProps<React.HTMLAttributes<HTMLElement>, HTMLElement> & {
        'base-path'?: string;
        'workspace-id'?: string;
        kinds?: string;
        'grace-choices'?: string;
        graceChoices?: string | readonly (number | string)[];
        localization?: Partial<Localization>;
        'ontoken-created'?: (e: KeycardTokensEventMap['token-created']) => void;
        'ontoken-revoked'?: (e: KeycardTokensEventMap['token-revoked']) => void;
        'ontoken-rotated'?: (e: KeycardTokensEventMap['token-rotated']) => void;
        'ontokens-revoked'?: (e: KeycardTokensEventMap['tokens-revoked']) => void;
      };
    }
  }
}

const fr: Partial<Localization> = { title: 'Jetons d’API' };

export function Tokens() {
  const [basePath, setBasePath] = useState('/api/tokens');
  const [events, setEvents] = useState<string[]>([]);
  const log = (e: CustomEvent) => setEvents((all) => [...all, JSON.stringify({ type: e.type, detail: e.detail })]);
  return (
    <>
      <button onClick={() => setBasePath('/api/team-tokens')}>Team tokens</button>
      <keycard-tokens
        base-path={basePath}
        workspace-id="ws_acme"
        kinds="personal"
        graceChoices={[0, '15m', '1d']}
        localization={fr}
        ontoken-created={log}
        ontoken-revoked={log}
      />
      <ol id="events">
        {events.map((e, i) => (
          <li key={i}>{e}</li>
        ))}
      </ol>
    </>
  );
}

export function mount(target: HTMLElement): void {
  createRoot(target).render(<Tokens />);
}
