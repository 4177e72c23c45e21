import assert from 'node:assert/strict';
import { join, normalize } from 'node:path';
import { describe, it } from 'node:test';
import {
  APP_ORIGIN, CONTENT_SECURITY_POLICY, isAllowedNavigation, isTrustedSender, permissionDecision, resolveAppPath, secureWebPreferences,
} from '../../electron/main/security.ts';

describe('the window\'s security settings', () => {
  it('isolates and sandboxes the renderer without Node', () => {
    const p = secureWebPreferences('/app/preload.cjs');
    assert.equal(p.contextIsolation, true);
    assert.equal(p.sandbox, true);
    assert.equal(p.nodeIntegration, false);
    assert.equal(p.nodeIntegrationInWorker, false);
    assert.equal(p.webSecurity, true);
    assert.equal(p.webviewTag, false);
    assert.equal(p.preload, '/app/preload.cjs');
  });

  it('has a strict CSP: nothing by default, no eval, no remote hosts', () => {
    assert.match(CONTENT_SECURITY_POLICY, /default-src 'none'/);
    assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-eval|https?:|\*/);
    assert.match(CONTENT_SECURITY_POLICY, new RegExp(`script-src ${APP_ORIGIN}(;|$)`));
  });

  it('allows navigation and IPC only from the app origin; denies every permission', () => {
    assert.equal(isAllowedNavigation(`${APP_ORIGIN}/index.html`), true);
    for (const url of ['https://example.com', 'file:///etc/passwd', 'app://other/index.html', 'not a url', 'javascript:alert(1)']) {
      assert.equal(isAllowedNavigation(url), false, url);
    }
    assert.equal(isTrustedSender(undefined), false);
    assert.equal(isTrustedSender('https://evil.example'), false);
    assert.equal(isTrustedSender(`${APP_ORIGIN}/`), true);
    for (const perm of ['media', 'notifications', 'geolocation', 'clipboard-read']) assert.equal(permissionDecision(perm), false);
  });

  it('serves app:// files from the renderer folder only', () => {
    const root = '/opt/gwb/renderer';
    const r = (url: string) => resolveAppPath(url, root, join, normalize);
    assert.equal(r(`${APP_ORIGIN}/`), '/opt/gwb/renderer/index.html');
    assert.equal(r(`${APP_ORIGIN}/assets/app.js`), '/opt/gwb/renderer/assets/app.js');
    // Whatever the encoding, a request resolves inside the root or not at all.
    for (const attack of [
      `${APP_ORIGIN}/../package.json`, `${APP_ORIGIN}/%2e%2e/%2e%2e/etc/passwd`, `${APP_ORIGIN}/..%2F..%2Fsecret`,
      `${APP_ORIGIN}/a%5C..%5C..%5Csecret`, `${APP_ORIGIN}/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd`,
    ]) {
      const file = r(attack);
      assert.ok(file === null || file.startsWith(`${root}/`), `${attack} → ${file}`);
    }
    assert.equal(r(`${APP_ORIGIN}/..%2F..%2Fsecret`), null);
    for (const bad of [`${APP_ORIGIN}/x%00.html`, 'app://elsewhere/index.html', 'file:///etc/passwd', `${APP_ORIGIN}/%E0%A4%A`]) {
      assert.equal(r(bad), null, bad);
    }
  });
});
