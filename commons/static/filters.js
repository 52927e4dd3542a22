/* Commons — long filter forms on a phone (progressive: without it every filter shows).
   A <details class="filter-panel" data-fold-narrow> is rendered open; on a narrow screen, when
   no filter is active (the server leaves data-fold-narrow out otherwise), it is folded so that
   the list starts on the first screen. « Filtrer et trier » opens it again. */
(function () {
  "use strict";
  if (!window.matchMedia || !window.matchMedia("(max-width: 40rem)").matches) { return; }
  var panels = document.querySelectorAll("details.filter-panel[data-fold-narrow]");
  for (var i = 0; i < panels.length; i += 1) { panels[i].open = false; }
}());
