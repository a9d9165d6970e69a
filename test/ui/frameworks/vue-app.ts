/**
 * `<keycard-tokens>` in a Vue 3 app (a template compiled in the browser; an SFC's `<template>`
 * reads the same): docs/ui.md shows this file, and test/ui/frameworks.test.ts runs it in Chromium.
 */
import { createApp, ref } from 'vue';
import type { Localization } from 'keycard/ui';

const fr: Partial<Localization> = { title: 'Jetons d’API' };

export function mount(target: HTMLElement): void {
  const app = createApp({
    setup() {
      const basePath = ref('/api/tokens');
      const events = ref<string[]>([]);
      const log = (e: CustomEvent) => events.value.push(JSON.stringify({ type: e.type, detail: e.detail }));
      return { basePath, events, fr, log };
    },
    template: `
      <button @click="basePath = '/api/team-tokens'">Team tokens</button>
      <keycard-tokens
        :base-path="basePath"
        workspace-id="ws_acme"
        kinds="personal"
        :localization.prop="fr"
        @token-created="log"
        @token-revoked="log"
      ></keycard-tokens>
      <ol id="events"><li v-for="e in events">{{ e }}</li></ol>`,
  });
  // Vue would otherwise try to resolve <keycard-tokens> as a Vue component (and warn).
  app.config.compilerOptions.isCustomElement = (tag) => tag.startsWith('keycard-');
  app.mount(target);
}
