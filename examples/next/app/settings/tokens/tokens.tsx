'use client';
// <keycard-tokens>, registered in the browser only (keycard/ui is browser code).
import { useEffect } from 'react';

declare module 'react' {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace JSX {
    interface IntrinsicElements {
      'keycard-tokens': { 'base-path'?: string; 'grace-choices'?: string };
    }
  }
}

export function Tokens({ graceChoices }: { graceChoices?: string | undefined }) {
  useEffect(() => {
    void import('keycard/ui');
  }, []);
  return <keycard-tokens base-path="/api/tokens" grace-choices={graceChoices} />;
}
