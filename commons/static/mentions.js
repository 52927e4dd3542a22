/* @mention autocomplete for the forum's text areas (progressive enhancement: without
   JavaScript, typing @handle works the same). A form opts in with data-mentions="<JSON URL>";
   the server suggests only people who can read the discussion. */
(function () {
  "use strict";
  var TRIGGER = /(^|[^\w@])@([a-z0-9][a-z0-9-]{0,39})$/i;

  function setup(form) {
    var url = form.getAttribute("data-mentions");
    var area = form.querySelector("textarea");
    if (!url || !area) { return; }
    var list = document.createElement("ul");
    list.id = (area.id || "texte") + "-mentions";
    list.className = "mention-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Personnes à mentionner");
    list.hidden = true;
    var status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("aria-live", "polite");
    area.insertAdjacentElement("afterend", list);
    list.insertAdjacentElement("afterend", status);
    area.setAttribute("aria-autocomplete", "list");
    area.setAttribute("aria-controls", list.id);
    var people = [], active = -1, timer = null, seq = 0;

    function query() {
      var match = TRIGGER.exec(area.value.slice(0, area.selectionStart));
      return match ? match[2] : null;
    }
    function close() {
      list.hidden = true;
      list.textContent = "";
      people = [];
      active = -1;
      area.removeAttribute("aria-activedescendant");
    }
    function choose(index) {
      var person = people[index];
      if (!person) { return; }
      var caret = area.selectionStart, before = area.value.slice(0, caret);
      var start = before.lastIndexOf("@");
      area.value = before.slice(0, start) + "@" + person.handle + " " + area.value.slice(caret);
      var after = start + person.handle.length + 2;
      area.setSelectionRange(after, after);
      close();
      area.focus();
      status.textContent = "@" + person.handle + " ajouté·e au message.";
    }
    function highlight(index) {
      var options = list.querySelectorAll("[role=option]");
      options.forEach(function (option, i) { option.setAttribute("aria-selected", i === index ? "true" : "false"); });
      active = index;
      if (options[index]) { area.setAttribute("aria-activedescendant", options[index].id); }
    }
    function show(found) {
      close();
      people = found;
      if (!found.length) { status.textContent = "Aucune personne trouvée."; return; }
      found.forEach(function (person, i) {
        var option = document.createElement("li");
        option.id = list.id + "-" + i;
        option.setAttribute("role", "option");
        var detail = [person.job, person.collectivite].filter(Boolean).join(", ");
        option.textContent = person.name + " (@" + person.handle + ")" + (detail ? " — " + detail : "");
        option.addEventListener("mousedown", function (event) { event.preventDefault(); choose(i); });
        list.appendChild(option);
      });
      list.hidden = false;
      highlight(0);
      status.textContent = found.length + " suggestion(s) : flèches haut et bas, Entrée pour choisir, Échap pour fermer.";
    }
    area.addEventListener("input", function () {
      var q = query();
      window.clearTimeout(timer);
      if (!q) { close(); return; }
      timer = window.setTimeout(function () {
        var mine = ++seq;
        var sep = url.indexOf("?") < 0 ? "?" : "&";
        fetch(url + sep + "q=" + encodeURIComponent(q), { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (response) { return response.ok ? response.json() : { people: [] }; })
          .then(function (data) { if (mine === seq) { show(data.people || []); } })
          .catch(close);
      }, 150);
    });
    area.addEventListener("keydown", function (event) {
      if (list.hidden) { return; }
      if (event.key === "ArrowDown") { event.preventDefault(); highlight((active + 1) % people.length); }
      else if (event.key === "ArrowUp") { event.preventDefault(); highlight((active - 1 + people.length) % people.length); }
      else if ((event.key === "Enter" || event.key === "Tab") && active >= 0) { event.preventDefault(); choose(active); }
      else if (event.key === "Escape") { event.preventDefault(); close(); }
    });
    area.addEventListener("blur", function () { window.setTimeout(close, 200); });
  }

  document.querySelectorAll("form[data-mentions]").forEach(setup);
}());
