// Passkey ceremonies for our pages, served from our own origin (the pages'
// Content-Security-Policy allows scripts from 'self' only). Needs
// @simplewebauthn/browser's bundle (window.SimpleWebAuthnBrowser), loaded first.
//
// A form with data-passkey="authenticate" or "register" stays hidden unless the
// browser supports WebAuthn. Submitting it fetches options from its
// data-options URL (a POST carrying the form's CSRF token), runs the ceremony,
// puts the result in the hidden `credential` field and submits the form to the
// server, which verifies it. data-autofill also starts a conditional request
// (WebAuthn §5.1.4.1, "autofill"), so the browser offers passkeys in the
// username field.
(function () {
  'use strict';
  var lib = window.SimpleWebAuthnBrowser;
  if (!lib) return;
  var forms = Array.prototype.slice.call(document.querySelectorAll('form[data-passkey]'));
  if (forms.length === 0 || !lib.browserSupportsWebAuthn()) return;

  function field(form, name) { return form.querySelector('input[name="' + name + '"]'); }

  function showError(form, message) {
    var box = form.querySelector('.passkey-error');
    if (!box) return;
    box.textContent = message;
    box.hidden = false;
  }

  function describe(error) {
    var name = error && error.name;
    if (name === 'NotAllowedError' || name === 'AbortError') return 'The passkey was not used. Try again when you are ready.';
    if (name === 'InvalidStateError') return 'This device already holds a passkey for your account.';
    return 'The passkey could not be used. Try again, or choose another way.';
  }

  function fetchOptions(form) {
    var body = new URLSearchParams({ _csrf: field(form, '_csrf').value });
    return fetch(form.getAttribute('data-options'), { method: 'POST', body: body, credentials: 'same-origin' }).then(function (response) {
      if (!response.ok) throw new Error('options ' + response.status);
      return response.json();
    });
  }

  function send(form, credential) {
    var remember = field(form, 'remember');
    var box = document.getElementById('remember');
    if (remember && box) remember.value = box.checked ? 'yes' : '';
    field(form, 'credential').value = JSON.stringify(credential);
    form.submit();
  }

  function ceremony(form, options, autofill) {
    if (form.getAttribute('data-passkey') === 'register') return lib.startRegistration({ optionsJSON: options });
    return lib.startAuthentication({ optionsJSON: options, useBrowserAutofill: autofill });
  }

  forms.forEach(function (form) {
    form.hidden = false;
    var button = form.querySelector('button[type="submit"]');
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      if (button) button.disabled = true;
      fetchOptions(form)
        .then(function (options) { return ceremony(form, options, false); })
        .then(function (credential) { send(form, credential); })
        .catch(function (error) {
          if (button) button.disabled = false;
          showError(form, describe(error));
        });
    });
    if (form.hasAttribute('data-autofill') && lib.browserSupportsWebAuthnAutofill) {
      lib.browserSupportsWebAuthnAutofill().then(function (supported) {
        if (!supported) return undefined;
        return fetchOptions(form)
          .then(function (options) { return ceremony(form, options, true); })
          .then(function (credential) { send(form, credential); });
      }).catch(function () {
        // A conditional request ends quietly when the button starts a modal one.
      });
    }
  });
}());
