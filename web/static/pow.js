// The alternative to the image captcha (captcha_alternative = pow; _captcha.html): a button
// that lets the browser prove some work instead of a person reading the image. A worker
// (pow_worker.js) finds the number that solves the page's signed challenge, about a second of
// work; the challenge and the number then go in the captcha's fields, and the image is hidden.
// The status line says what happens (role=status) and takes the focus when done.
(function () {
  'use strict';
  var box = document.getElementById('pow');
  if (!box || !window.Worker) return;
  var btn = document.getElementById('pow-start');
  var status = document.getElementById('pow-status');
  box.hidden = false;
  function failed() {
    status.textContent = box.dataset.failed;
    btn.disabled = false;
  }
  btn.addEventListener('click', function () {
    var p = box.dataset.challenge.split('.');
    btn.disabled = true;
    status.textContent = box.dataset.working;
    var t0 = performance.now();
    var w = new Worker(box.dataset.worker);
    w.onerror = function () { w.terminate(); failed(); };
    w.onmessage = function (ev) {
      w.terminate();
      if (ev.data.number === null) { failed(); return; }
      document.getElementById('captcha-id').value = box.dataset.challenge;
      document.getElementById('captcha').value = String(ev.data.number);
      document.getElementById('captcha-field').hidden = true;
      box.dataset.ms = String(Math.round(performance.now() - t0));
      btn.hidden = true;
      status.textContent = box.dataset.done;
      status.focus();
    };
    w.postMessage({ salt: p[1], max: Number(p[3]), challenge: p[4] });
  });
})();
