import { createSign, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { importPublicKey, verifySignature } from '../src/leaks/signature.ts';

// OpenSSL (behind node:crypto, as in GitHub's own JavaScript sample) writes ECDSA signatures in
// DER, like GitHub's signer: the WebCrypto path must accept exactly what it produces.
describe('leak intake signatures against OpenSSL', () => {
  it('verifies 200 DER signatures made by node:crypto over the raw body', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const key = (await importPublicKey(pem))!;
    expect(key).not.toBeNull();
    for (let i = 0; i < 200; i++) {
      const body = Buffer.from(
        JSON.stringify([{ source: 'commit', token: `t${i}`, type: 'acme_api_token', url: 'https://example.com/' }]),
      );
      const sig = createSign('SHA256').update(body).sign(privateKey).toString('base64');
      expect(await verifySignature(key, sig, body)).toBe(true);
      expect(await verifySignature(key, sig, Buffer.concat([body, Buffer.from(' ')]))).toBe(false);
    }
  });
});
