/* Commons — the only script of the site, served by the app itself (CSP: script-src 'self').
   Progressive: every page works without it. After a failed submission, move the focus to the
   error summary (or the error message) so that screen readers and keyboard users land on it. */
(function () {
  "use strict";
  var target = document.querySelector(".error-summary, .flash-error");
  if (!target) { return; }
  if (!target.hasAttribute("tabindex")) { target.setAttribute("tabindex", "-1"); }
  target.focus();
}());
