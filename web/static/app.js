// daoid pages work without JavaScript; this only improves them.
// Captcha: "another image" fetches a new challenge in place instead of reloading the form.
(function () {
  'use strict';
  var link = document.getElementById('captcha-refresh');
  if (!link || !window.fetch) return;
  link.addEventListener('click', function (ev) {
    ev.preventDefault();
    fetch('/captcha/new', { credentials: 'same-origin', cache: 'no-store' })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (c) {
        document.getElementById('captcha-img').src = c.image;
        document.getElementById('captcha-id').value = c.id;
        var input = document.getElementById('captcha');
        input.value = '';
        input.focus();
      })
      .catch(function () { window.location.href = link.href; });
  });
})();

// The console and the settings may come back from history without asking the server (the
// back/forward cache, or the HTTP cache: they are not no-store). Such a page is shown only once
// its session is known to hold: after signing out (here or in another tab), or as someone else
// since, it reloads instead, and the server answers with the sign-in page.
(function () {
  'use strict';
  var meta = document.querySelector('meta[name="daoid-user"]');
  if (!meta || !meta.content || !window.fetch) return;
  var root = document.documentElement;
  function check() {
    root.style.visibility = 'hidden';
    fetch('/api/v1/me', { credentials: 'same-origin', cache: 'no-store' })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (me) {
        if (me && me.username === meta.content) root.style.visibility = '';
        else window.location.reload();
      })
      .catch(function () { window.location.reload(); });
  }
  window.addEventListener('pageshow', function (ev) {
    var nav = performance.getEntriesByType ? performance.getEntriesByType('navigation')[0] : null;
    if (ev.persisted || (nav && nav.type === 'back_forward')) check();
  });
})();
