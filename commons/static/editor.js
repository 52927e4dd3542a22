/* Live preview of the REX editor (progressive enhancement: without JavaScript the
   « Prévisualiser » button shows the same preview). The form opts in with data-preview="<URL>";
   after a pause in typing, the text is posted (with the form's CSRF token) to that URL, which
   renders it as a saved REX would be (same sanitiser) and reads no other page. Side by side on
   wide screens, « Écrire » / « Aperçu » tabs on phones. Only the short status line is a live
   region (polite): the preview itself is never read out at each pause. The text area is never
   touched: a refused preview (too large, too many) says why in the preview area, in French. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-preview]");
  if (!form || !window.fetch || !window.FormData) { return; }
  var url = form.getAttribute("data-preview");
  var area = form.querySelector("textarea[name=body]");
  var pane = form.querySelector("[data-editor-pane]");
  var write = document.getElementById("editeur-ecrire");
  var section = document.getElementById("editeur-apercu");
  var content = document.getElementById("apercu-contenu");
  var status = document.getElementById("apercu-etat");
  var token = form.querySelector("input[name=csrf_token]");
  if (!area || !pane || !write || !section || !content || !status) { return; }

  var PAUSE = 900, SPACING = 4000, RETRY = 30000;  // at most ~15 previews a minute
  var timer = null, last = 0, sent = null, seq = 0;

  function say(message, problem) {
    if (status.textContent !== message) { status.textContent = message; }
    status.classList.toggle("preview-status-error", !!problem);
  }

  function refresh() {
    if (area.value === sent) { return; }
    var mine = ++seq, data = new FormData();
    if (token) { data.append("csrf_token", token.value); }
    data.append("body", area.value);
    sent = area.value;
    last = Date.now();
    section.setAttribute("aria-busy", "true");
    fetch(url, { method: "POST", body: data, credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().then(function (json) { return { code: response.status, json: json }; });
      })
      .then(function (answer) {
        if (mine !== seq) { return; }
        var json = answer.json || {};
        if (answer.code === 200 && typeof json.html === "string") {
          content.innerHTML = json.html;  // sanitised by the server, as a saved REX is
          if (!json.html.trim()) {
            var empty = document.createElement("p");
            empty.className = "hint";
            empty.textContent = "Rien à afficher pour l'instant : écrivez sous les intertitres (une section vide n'est pas enregistrée).";
            content.appendChild(empty);
          }
          say(json.message || "Aperçu à jour.", !!json.message);
        } else if (json.message) {
          say(json.message, true);
          sent = null;  // the same text may be asked again later
          if (answer.code === 429) { schedule(RETRY); }
        } else {
          throw new Error("preview");
        }
      })
      .catch(function () {
        if (mine !== seq) { return; }
        sent = null;
        say("L'aperçu n'a pas pu être mis à jour (connexion ou session expirée ?). Votre texte n'est pas touché ; " +
            "le bouton « Prévisualiser » reste disponible.", true);
      })
      .then(function () { if (mine === seq) { section.removeAttribute("aria-busy"); } });
  }

  function schedule(delay) {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, delay);
  }

  area.addEventListener("input", function () {
    schedule(Math.max(PAUSE, last + SPACING - Date.now()));
  });

  // Tabs on narrow screens (ARIA tabs: arrows move between them), both panes side by side on wide ones.
  var tabs = document.createElement("div");
  tabs.className = "editor-tabs";
  tabs.setAttribute("role", "tablist");
  tabs.setAttribute("aria-label", "Texte et aperçu");
  function tab(id, text, panel) {
    var button = document.createElement("button");
    button.type = "button";
    button.id = id;
    button.textContent = text;
    button.setAttribute("role", "tab");
    button.setAttribute("aria-controls", panel.id);
    tabs.appendChild(button);
    return button;
  }
  var writeTab = tab("onglet-ecrire", "Écrire", write);
  var previewTab = tab("onglet-apercu", "Aperçu", section);
  pane.insertAdjacentElement("beforebegin", tabs);
  var narrow = window.matchMedia ? window.matchMedia("(max-width: 64rem)") : { matches: false };
  var showing = "write";

  function select(which, focus) {
    showing = which;
    var onPreview = which === "preview";
    writeTab.setAttribute("aria-selected", onPreview ? "false" : "true");
    previewTab.setAttribute("aria-selected", onPreview ? "true" : "false");
    writeTab.tabIndex = onPreview ? -1 : 0;
    previewTab.tabIndex = onPreview ? 0 : -1;
    write.hidden = onPreview;
    section.hidden = !onPreview;
    if (onPreview) { window.clearTimeout(timer); refresh(); }
    if (focus) { (onPreview ? previewTab : writeTab).focus(); }
  }
  function fit() {
    tabs.hidden = !narrow.matches;
    [[write, writeTab], [section, previewTab]].forEach(function (pair) {
      if (narrow.matches) {
        pair[0].setAttribute("role", "tabpanel");
        pair[0].setAttribute("aria-labelledby", pair[1].id);
      } else {
        pair[0].removeAttribute("role");
        pair[0].removeAttribute("aria-labelledby");
      }
    });
    section.setAttribute("aria-labelledby", narrow.matches ? previewTab.id : "titre-apercu");
    if (narrow.matches) {
      select(showing);
      section.removeAttribute("tabindex");
    } else {
      write.hidden = false;
      section.hidden = false;
      section.tabIndex = 0;  // it scrolls on its own beside the text: reachable by keyboard
    }
  }
  writeTab.addEventListener("click", function () { select("write"); });
  previewTab.addEventListener("click", function () { select("preview"); });
  tabs.addEventListener("keydown", function (event) {
    var to = { ArrowLeft: showing === "write" ? "preview" : "write", Home: "write", End: "preview" };
    to.ArrowRight = to.ArrowLeft;
    if (to[event.key]) {
      event.preventDefault();
      select(to[event.key], true);
    }
  });
  if (narrow.addEventListener) { narrow.addEventListener("change", fit); } else if (narrow.addListener) { narrow.addListener(fit); }

  var guidance = form.querySelector("details.guidance");
  if (guidance && narrow.matches) { guidance.open = false; }  // on a phone, the text comes first
  pane.classList.add("with-preview", "is-live");
  if (!content.textContent.trim()) { say("L'aperçu se met à jour quand vous faites une pause dans la frappe."); }
  fit();
  if (!narrow.matches) { schedule(0); }
}());
