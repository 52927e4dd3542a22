/* Searchable picker for every <select multiple data-picker> (progressive enhancement: without
   JavaScript the list itself works, Ctrl or Cmd to choose several). The select stays in the form
   and keeps the choices; it is hidden behind:
   - the choices, as buttons that remove them (« Retirer … »);
   - a search box (its own label) that filters a checklist as one types, accents and case aside;
     Entrée checks the first unchecked proposal, Échap empties the box, flèche bas goes to the list;
   - the checklist (flèches haut et bas to move, Espace to check);
   - a polite live region that says what was added or removed and how many proposals remain.
   Attributes: data-picker-hint (replaces the hint about Ctrl), data-picker-search (the search
   box's label). */
(function () {
  "use strict";

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function make(tag, className, text) {
    var element = document.createElement(tag);
    if (className) { element.className = className; }
    if (text) { element.textContent = text; }
    return element;
  }

  function setup(select, index) {
    var id = select.id || "choix-" + index;
    var label = document.querySelector("label[for='" + id + "']");
    var name = label ? label.textContent.replace(/\s*\(obligatoire\)\s*$/, "").trim() : "Choix";
    if (label && !label.id) { label.id = id + "-etiquette"; }
    var described = select.getAttribute("aria-describedby") || "";
    var hint = document.getElementById(id + "-aide");
    if (hint && select.getAttribute("data-picker-hint")) {
      hint.textContent = select.getAttribute("data-picker-hint");
    }

    var box = make("div", "picker");
    box.setAttribute("role", "group");
    if (label) { box.setAttribute("aria-labelledby", label.id); }
    var chosenTitle = make("p", "picker-chosen-title", "Votre sélection :");
    chosenTitle.id = id + "-selection-titre";
    var chosen = make("ul", "picker-chosen");
    chosen.setAttribute("aria-labelledby", chosenTitle.id);
    var none = make("p", "picker-none", "Rien de choisi pour l'instant.");
    var searchLabel = make("label", "picker-search-label", select.getAttribute("data-picker-search") || "Filtrer la liste");
    var search = make("input", "picker-search");
    search.type = "search";
    search.id = id + "-filtre";
    search.autocomplete = "off";
    searchLabel.htmlFor = search.id;
    var count = make("p", "hint picker-count");
    count.id = id + "-compte";
    search.setAttribute("aria-describedby", (described + " " + count.id).trim());
    if (select.getAttribute("aria-invalid") === "true") { search.setAttribute("aria-invalid", "true"); }
    var list = make("div", "picker-options");
    list.id = id + "-propositions";
    list.setAttribute("role", "group");
    list.setAttribute("aria-label", name + " : propositions");
    search.setAttribute("aria-controls", list.id);
    var live = make("p", "visually-hidden");
    live.setAttribute("aria-live", "polite");
    live.id = id + "-annonce";

    var boxes = [];
    Array.prototype.forEach.call(select.options, function (option, i) {
      var row = make("div", "picker-option");
      var check = make("input");
      check.type = "checkbox";
      check.id = id + "-choix-" + i;
      check.checked = option.selected;
      var text = make("label", "", option.textContent);
      text.htmlFor = check.id;
      row.appendChild(check);
      row.appendChild(text);
      list.appendChild(row);
      boxes.push({ option: option, check: check, row: row, key: fold(option.textContent) });
    });

    function say(message) {
      live.textContent = "";
      window.setTimeout(function () { live.textContent = message; }, 50);
    }
    function total() {
      return boxes.filter(function (b) { return b.option.selected; }).length;
    }
    function visible() {
      return boxes.filter(function (b) { return !b.row.hidden; });
    }
    function drawChosen() {
      chosen.textContent = "";
      boxes.forEach(function (b) {
        if (!b.option.selected) { return; }
        var item = make("li");
        var remove = make("button", "picker-remove");
        remove.type = "button";
        remove.setAttribute("aria-label", "Retirer " + b.option.textContent);
        remove.appendChild(make("span", "", b.option.textContent));
        var cross = make("span", "picker-cross", "×");
        cross.setAttribute("aria-hidden", "true");
        remove.appendChild(cross);
        remove.addEventListener("click", function () {
          var buttons = Array.prototype.slice.call(chosen.querySelectorAll("button"));
          var next = buttons[buttons.indexOf(remove) + 1] || buttons[buttons.indexOf(remove) - 1];
          choose(b, false);
          var again = next && Array.prototype.find.call(chosen.querySelectorAll("button"), function (button) {
            return button.getAttribute("aria-label") === next.getAttribute("aria-label");
          });
          (again || search).focus();
        });
        item.appendChild(remove);
        chosen.appendChild(item);
      });
      none.hidden = total() > 0;
      chosen.hidden = total() === 0;
    }
    var countTimer = null;
    function choose(b, on) {
      window.clearTimeout(countTimer);  // what was chosen is said, not the count of proposals
      b.option.selected = on;
      b.check.checked = on;
      drawChosen();
      say(b.option.textContent + (on ? " fait partie de la sélection" : " ne fait plus partie de la sélection") +
          " (" + total() + " en tout).");
    }
    function countText() {
      var n = visible().length;
      return n === 0 ? "Aucune proposition ne correspond." : n + (n > 1 ? " propositions." : " proposition.");
    }
    function filter() {
      var words = fold(search.value).split(/\s+/).filter(Boolean);
      boxes.forEach(function (b) {
        b.row.hidden = !words.every(function (w) { return b.key.indexOf(w) >= 0; });
      });
      count.textContent = countText();
      window.clearTimeout(countTimer);
      if (words.length) { countTimer = window.setTimeout(function () { say(countText()); }, 600); }
    }

    boxes.forEach(function (b) {
      b.check.addEventListener("change", function () { choose(b, b.check.checked); });
      b.check.addEventListener("keydown", function (event) {
        var shown = visible(), at = shown.indexOf(b);
        if (event.key === "ArrowDown" && shown[at + 1]) { event.preventDefault(); shown[at + 1].check.focus(); }
        else if (event.key === "ArrowUp") { event.preventDefault(); (shown[at - 1] ? shown[at - 1].check : search).focus(); }
        else if (event.key === "Enter") { event.preventDefault(); choose(b, !b.check.checked); }
      });
    });
    search.addEventListener("input", filter);
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();  // never submits the form
        var first = visible().filter(function (b) { return !b.option.selected; })[0];
        if (first && search.value.trim()) {
          choose(first, true);
          search.value = "";
          filter();
        } else if (search.value.trim()) {
          say(countText());
        }
      } else if (event.key === "Escape" && search.value) {
        event.preventDefault();
        search.value = "";
        filter();
      } else if (event.key === "ArrowDown" && visible()[0]) {
        event.preventDefault();
        visible()[0].check.focus();
      }
    });

    [chosenTitle, chosen, none, searchLabel, search, count, list, live].forEach(function (part) {
      box.appendChild(part);
    });
    select.insertAdjacentElement("afterend", box);
    select.hidden = true;
    select.tabIndex = -1;
    if (label) { label.addEventListener("click", function () { search.focus(); }); }
    drawChosen();
    count.textContent = countText();
  }

  Array.prototype.forEach.call(document.querySelectorAll("select[multiple][data-picker]"), setup);
}());
