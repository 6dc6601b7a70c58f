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
