/* Commons — the site's script, served by the app itself (CSP: script-src 'self').
   Progressive: every page works without it. After a failed submission, move the focus to the
   error summary (or the error message) so that screen readers and keyboard users land on it.
   On a narrow screen, fold the menus behind a « Menu » button (without the script, they show). */
(function () {
  "use strict";
  var button = document.querySelector(".menu-button");
  var menus = document.getElementById("menus");
  if (!button || !menus || !window.matchMedia) { return; }
  var narrow = window.matchMedia("(max-width: 40rem)");
  function show(open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    menus.classList.toggle("is-closed", !open);
  }
  function fit() {
    button.hidden = !narrow.matches;
    show(!narrow.matches);
  }
  button.addEventListener("click", function () {
    show(button.getAttribute("aria-expanded") !== "true");
  });
  menus.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && narrow.matches) { show(false); button.focus(); }
  });
  if (narrow.addEventListener) { narrow.addEventListener("change", fit); } else { narrow.addListener(fit); }
  fit();
}());
(function () {
  "use strict";
  var target = document.querySelector(".error-summary, .flash-error");
  if (!target) { return; }
  if (!target.hasAttribute("tabindex")) { target.setAttribute("tabindex", "-1"); }
  target.focus();
}());
