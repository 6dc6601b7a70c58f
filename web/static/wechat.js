// WeChat QR page: asks /auth/wechat/status every second (the page's data-status for a
// re-authentication, which carries where to go back to) and moves the page on in place:
// "Bound" and the registration form, the sign-in or re-authentication, the binding's result,
// or the expiry.
// Without this script, reloading the page does the same.
(function () {
  'use strict';
  var box = document.getElementById('wechat');
  if (!box || !window.fetch || box.getAttribute('data-state') !== 'pending') return;
  var statusUrl = box.getAttribute('data-status') || '/auth/wechat/status';

  function show(id, on) {
    var el = document.getElementById(id);
    if (el) el.hidden = !on;
  }

  function poll() {
    fetch(statusUrl, { credentials: 'same-origin', cache: 'no-store' })
      .then(function (r) { return r.ok ? r.json() : { state: 'retry' }; })
      .then(step, function () { step({ state: 'retry' }); });
  }

  function later() { window.setTimeout(poll, 1000); }

  function step(s) {
    box.setAttribute('data-state', s.state);
    if (s.state === 'pending' || s.state === 'retry') return later();
    show('wx-pending', false);
    if (s.state === 'expired') return show('wx-expired', true);
    if (s.state === 'register') {
      show('wx-ok', true);
      show('wx-bound', true);
      var u = document.getElementById('wx-username');
      if (u && !u.value) u.value = s.suggested || '';
      if (u) u.focus();
      return;
    }
    if (s.state === 'signed_in') {
      show('wx-ok', true);
      window.location.assign(s.next || '/console');
      return;
    }
    if (s.state === 'bound') {
      show('wx-ok', true);
      show('wx-done', true);
      show('wx-bonus', !!s.granted);
      show('wx-nobonus', !s.granted);
      return;
    }
    if (s.state === 'refused') {
      document.getElementById('wx-error').textContent = s.message || '';
      return show('wx-refused', true);
    }
    window.location.reload(); // none: the ticket is gone (used elsewhere, or cleared)
  }

  later();
})();
