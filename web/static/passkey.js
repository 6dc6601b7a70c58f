// passkey.js: WebAuthn ceremonies for daoid's pages. Adding a passkey (/settings/security's
// #passkey-add form), signing in with one (a [data-passkey-login] button: /login and
// /login/2fa; on /login with a name typed, that account's credentials are asked for: a
// security key without resident credentials) and the browser's autofill on /login
// (conditional mediation on the username field marked autocomplete="username webauthn"). The
// server keeps every challenge; this only converts base64url to bytes and back and posts the
// results. Without JavaScript or WebAuthn the pages work as before, without passkeys.
(function () {
  'use strict';
  if (!window.PublicKeyCredential || !window.fetch) return;

  function bytes(s) {
    s = s.replace(/-/g, '+').replace(/_/g, '/');
    while (s.length % 4) s += '=';
    var b = atob(s), out = new Uint8Array(b.length);
    for (var i = 0; i < b.length; i++) out[i] = b.charCodeAt(i);
    return out.buffer;
  }
  function b64u(buf) {
    var b = new Uint8Array(buf), s = '';
    for (var i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
    return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }
  function post(url, csrf, fields) {
    var body = new URLSearchParams();
    body.set('csrf', csrf);
    Object.keys(fields).forEach(function (k) { if (fields[k] != null) body.set(k, fields[k]); });
    return fetch(url, { method: 'POST', body: body, credentials: 'same-origin' }).then(function (r) {
      return r.json().then(function (j) {
        if (!r.ok) throw new Error(j.error || 'failed');
        return j;
      });
    });
  }
  function failed(e) {
    var p = document.getElementById('passkey-error');
    if (p && !(e && e.name === 'AbortError')) p.hidden = false;
  }
  function csrfOf(el) {
    var f = el.getAttribute('data-csrf') || (document.querySelector('input[name=csrf]') || {}).value;
    return f || '';
  }

  var add = document.getElementById('passkey-add');
  if (add) {
    add.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var csrf = csrfOf(add);
      post('/settings/security/passkeys/begin', csrf, { name: add.elements.name.value }).then(function (o) {
        var pk = o.publicKey;
        pk.challenge = bytes(pk.challenge);
        pk.user.id = bytes(pk.user.id);
        pk.excludeCredentials.forEach(function (c) { c.id = bytes(c.id); });
        return navigator.credentials.create({ publicKey: pk });
      }).then(function (cred) {
        return post('/settings/security/passkeys/finish', csrf, {
          clientDataJSON: b64u(cred.response.clientDataJSON),
          attestationObject: b64u(cred.response.attestationObject)
        });
      }).then(function (j) {
        if (j.codes && showCodes(j.codes, j.next)) return;
        window.location.assign(j.next);
      }, failed);
    });
  }

  // A first factor: the recovery codes, shown once on the page (#passkey-codes) before going on.
  function showCodes(codes, next) {
    var box = document.getElementById('passkey-codes');
    var list = document.getElementById('passkey-codes-list');
    if (!box || !list) return false;
    codes.forEach(function (c) {
      var li = document.createElement('li'), code = document.createElement('code');
      code.textContent = c;
      li.appendChild(code);
      list.appendChild(li);
    });
    document.getElementById('passkey-codes-download').href =
      'data:text/plain;charset=utf-8,' + encodeURIComponent(codes.join('\n') + '\n');
    document.getElementById('passkey-codes-done').href = next;
    add.hidden = true;
    box.hidden = false;
    document.getElementById('passkey-codes-h').focus();
    return true;
  }

  // /signup: "with a passkey instead of a password" (the account is made, then the passkey added)
  Array.prototype.forEach.call(document.querySelectorAll('[data-signup-passkey]'), function (b) {
    b.hidden = false;
  });

  var pending = null;
  // at: where the ceremony's begin and finish are (a confirmation on /reauth has its own)
  function signIn(csrf, mediation, at) {
    at = at || '/passkey/login';
    if (pending) pending.abort();
    var ctl = window.AbortController ? new AbortController() : null;
    pending = ctl;
    var next = (document.querySelector('input[name=next]') || {}).value;
    // the button with a name typed: that account's credentials (a security key without
    // resident credentials is asked for them); the autofill asks for any
    var idf = !mediation && document.getElementById('identifier');
    var who = idf && idf.value.trim() ? idf.value.trim() : null;
    return post(at + '/begin', csrf, { identifier: who }).then(function (o) {
      var pk = o.publicKey;
      pk.challenge = bytes(pk.challenge);
      pk.allowCredentials.forEach(function (c) { c.id = bytes(c.id); });
      var req = { publicKey: pk };
      if (mediation) req.mediation = mediation;
      if (ctl) req.signal = ctl.signal;
      return navigator.credentials.get(req);
    }).then(function (a) {
      var r = a.response;
      return post(at + '/finish', csrf, {
        id: a.id,
        clientDataJSON: b64u(r.clientDataJSON),
        authenticatorData: b64u(r.authenticatorData),
        signature: b64u(r.signature),
        userHandle: r.userHandle ? b64u(r.userHandle) : null,
        next: next
      });
    }).then(function (j) { window.location.assign(j.next); });
  }

  Array.prototype.forEach.call(document.querySelectorAll('[data-passkey-login]'), function (b) {
    b.hidden = false;
    b.addEventListener('click', function () { signIn(csrfOf(b), null, b.getAttribute('data-passkey-at')).catch(failed); });
  });

  var auto = document.querySelector('input[autocomplete~=webauthn]');
  if (auto && PublicKeyCredential.isConditionalMediationAvailable) {
    PublicKeyCredential.isConditionalMediationAvailable().then(function (ok) {
      if (ok) signIn(csrfOf(auto), 'conditional').catch(failed);
    });
  }
})();
