/* Commons — the REX page's menus (<details class="menu">): they work without this script;
   with it, opening one closes the others, and Escape or a click elsewhere closes them
   (Escape gives the focus back to the menu's button); an entry leading to a folded part of
   the page unfolds it. */
(function () {
  "use strict";
  var menus = Array.prototype.slice.call(document.querySelectorAll("details.menu"));
  if (!menus.length) { return; }
  function closeAll(except) {
    menus.forEach(function (menu) { if (menu !== except) { menu.open = false; } });
  }
  menus.forEach(function (menu) {
    menu.addEventListener("toggle", function () { if (menu.open) { closeAll(menu); } });
    menu.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.open) {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
  });
  document.addEventListener("click", function (event) {
    menus.forEach(function (menu) { if (menu.open && !menu.contains(event.target)) { menu.open = false; } });
    // A menu entry leading to a folded part of the page (« dérivé de ») unfolds it.
    var link = event.target.closest && event.target.closest("a[href^='#']");
    var target = link && document.getElementById(link.getAttribute("href").slice(1));
    if (target && target.tagName === "DETAILS") {
      closeAll(null);
      target.open = true;
    }
  });
}());
