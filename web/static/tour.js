// The console's first-visit tour, one step at a time. Without JavaScript the page shows every
// step with one "Got it" button (a form); here the dialog points at each step's target in the
// left navigation, with Back / Next / Skip / Done. Esc skips. Focus stays inside the dialog
// while it is open (Tab and Shift+Tab wrap) and returns where it was afterwards. Finishing or
// skipping is saved for the account (POST /console/tour), so the tour never shows again;
// "show the tour again" saves the opposite and opens it in place.
(function () {
  'use strict';
  var tour = document.getElementById('tour');
  if (!tour || !window.fetch) return;
  var panel = document.getElementById('tour-panel');
  var steps = tour.querySelectorAll('.tour-step');
  var form = document.getElementById('tour-form');
  var buttons = document.getElementById('tour-buttons');
  var back = document.getElementById('tour-back');
  var next = document.getElementById('tour-next');
  var done = document.getElementById('tour-done');
  var skip = document.getElementById('tour-skip');
  var again = document.getElementById('tour-again-form');
  var csrf = form.querySelector('input[name=csrf]').value;
  var at = 0, returnTo = null, target = null;

  function save(action) {
    var body = new URLSearchParams();
    body.set('csrf', csrf);
    body.set('action', action);
    return fetch('/console/tour', {
      method: 'POST', credentials: 'same-origin', body: body,
      headers: { 'Accept': 'application/json', 'X-CSRF-Token': csrf }
    });
  }

  function focusables() {
    return Array.prototype.filter.call(panel.querySelectorAll('button, a[href], input'),
      function (el) { return !el.disabled && el.offsetParent !== null; });
  }

  // The panel beside the step's target (below it on narrow screens), inside the viewport.
  function place() {
    if (!target) return;
    var r = target.getBoundingClientRect(), w = panel.offsetWidth, h = panel.offsetHeight;
    var vw = document.documentElement.clientWidth, vh = window.innerHeight, left, top;
    if (r.right + 16 + w <= vw - 12) {
      left = r.right + 16;
      top = Math.min(Math.max(12, r.top - 12), Math.max(12, vh - h - 12));
    } else {
      left = Math.max(12, Math.min(r.left, vw - w - 12));
      top = r.bottom + 12;
      if (top + h > vh - 12) top = Math.max(12, r.top - h - 12);
    }
    panel.style.left = left + 'px';
    panel.style.top = top + 'px';
  }

  function show(i) {
    at = i;
    for (var k = 0; k < steps.length; k++) steps[k].hidden = k !== i;
    if (target) target.classList.remove('tour-target');
    target = document.getElementById(steps[i].getAttribute('data-target'));
    if (target) {
      target.classList.add('tour-target');
      if (target.scrollIntoView) target.scrollIntoView({ block: 'nearest' });
    }
    tour.setAttribute('aria-describedby', steps[i].id);
    back.hidden = i === 0;
    next.hidden = i === steps.length - 1;
    done.hidden = i !== steps.length - 1;
    place();
  }

  function open() {
    returnTo = document.activeElement && document.activeElement !== document.body
      ? document.activeElement : document.getElementById('console-title');
    tour.hidden = false;
    tour.classList.add('stepping');
    form.hidden = true;
    buttons.hidden = false;
    show(0);
    (steps.length > 1 ? next : done).focus();
  }

  function close(action) {
    save(action).catch(function () {});
    tour.hidden = true;
    tour.classList.remove('stepping');
    if (target) target.classList.remove('tour-target');
    target = null;
    if (returnTo && returnTo.focus) returnTo.focus();
  }

  back.addEventListener('click', function () { show(at - 1); back.hidden ? next.focus() : back.focus(); });
  next.addEventListener('click', function () { show(at + 1); next.hidden ? done.focus() : next.focus(); });
  done.addEventListener('click', function () { close('done'); });
  skip.addEventListener('click', function () { close('skip'); });
  form.addEventListener('submit', function (ev) { ev.preventDefault(); close('done'); });

  document.addEventListener('keydown', function (ev) {
    if (tour.hidden) return;
    if (ev.key === 'Escape') {
      ev.preventDefault();
      close('skip');
    } else if (ev.key === 'Tab') {
      var f = focusables(), first = f[0], last = f[f.length - 1];
      if (!f.length) return;
      if (ev.shiftKey && (document.activeElement === first || !panel.contains(document.activeElement))) {
        ev.preventDefault();
        last.focus();
      } else if (!ev.shiftKey && (document.activeElement === last || !panel.contains(document.activeElement))) {
        ev.preventDefault();
        first.focus();
      }
    }
  });
  window.addEventListener('resize', place);
  window.addEventListener('scroll', place, true);

  if (again) {
    again.addEventListener('submit', function (ev) {
      ev.preventDefault();
      save('again').then(function (r) {
        if (!r.ok) throw new Error(r.status);
        open();
      }).catch(function () { again.submit(); });
    });
  }
  if (!tour.hidden) open();
})();
