/**
 * Lifecycle events an integrator reacts to: pause a routine when its token is revoked, end MCP
 * sessions, notify an owner. Fired for changes made in this process and, with a store that
 * notifies (all built-in ones), for changes made by other processes sharing the store.
 */
import type { RevokeAllFilter, TokenRecord } from './store.ts';

/** Payloads by event name. */
export interface KeycardEvents {
  /** A token was issued here. */
  'token.issued': { readonly record: TokenRecord };
  /** A token was revoked, here or in another process (`record` is null when only the id is known). */
  'token.revoked': { readonly tokenId: string; readonly record: TokenRecord | null };
  /** Every personal token of an owner, or every workspace token of a workspace, was revoked. */
  'token.revokedAll': { readonly filter: RevokeAllFilter };
  /** A token was rotated here: `record` is the new token, `previous` the old one. */
  'token.rotated': { readonly record: TokenRecord; readonly previous: TokenRecord };
  /** A token's label, metadata, limits, expiry, scopes or restrictions changed. */
  'token.updated': { readonly record: TokenRecord };
  /**
   * The leak intake (SPEC §15) revoked a live token a secret-scanning provider found in public:
   * `provider` (`github`, `gitlab`), the enrolled `type` name, the `url` and `source` it reported;
   * `via` is the reported token's id when this one was revoked as what it minted or rotated into.
   * Fired in the process that revoked it, after `token.revoked`.
   */
  'token.leaked': {
    readonly record: TokenRecord;
    readonly via?: string;
    readonly provider: string;
    readonly type: string;
    readonly url: string;
    readonly source: string;
  };
  /** A verification met a token past its expiry (fired once per token per process). */
  'token.expired': { readonly record: TokenRecord };
  /** The owner resolver answered `gone` or `disabled`, or `invalidateOwner()` was called. */
  'owner.gone': {
    readonly principalId: string;
    readonly workspaceId: string | null;
    readonly status: 'gone' | 'disabled' | 'invalidated';
  };
}

export type KeycardEventName = keyof KeycardEvents;

/** A minimal typed emitter: listeners are isolated, so one that throws cannot stop the others. */
export class Emitter {
  readonly #listeners = new Map<KeycardEventName, Set<(payload: never) => void>>();
  readonly #onError: (error: unknown) => void;

  constructor(onError: (error: unknown) => void) {
    this.#onError = onError;
  }

  on<E extends KeycardEventName>(event: E, listener: (payload: KeycardEvents[E]) => void): () => void {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(listener as (payload: never) => void);
    return () => void set.delete(listener as (payload: never) => void);
  }

  emit<E extends KeycardEventName>(event: E, payload: KeycardEvents[E]): void {
    const set = this.#listeners.get(event);
    if (!set) return;
    for (const l of set) {
      try {
        const r = (l as (p: KeycardEvents[E]) => unknown)(payload);
        if (r instanceof Promise) r.catch(this.#onError);
      } catch (e) {
        this.#onError(e);
      }
    }
  }
}
